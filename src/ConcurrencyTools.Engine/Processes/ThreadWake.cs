using System;
using System.Threading;

namespace ConcurrencyTools.Engine.Processes;

/// <summary>
/// An eventfd that wakes a thread asleep in poll(2) from another thread (a time limit's or a cancellation's
/// callback): <see cref="Signal"/> makes it readable until the woken thread <see cref="Drain"/>s it.
/// </summary>
internal sealed unsafe class ThreadWake : IDisposable
{
    private int _descriptor;

    private ThreadWake(int descriptor) => _descriptor = descriptor;

    /// <summary>The descriptor to poll for reading.</summary>
    public int Descriptor => Volatile.Read(ref _descriptor);

    /// <summary>A new wake, or null where this process cannot make one (then read asynchronously instead).</summary>
    public static ThreadWake? TryCreate()
    {
        if (!PosixNative.IsSupported)
        {
            return null;
        }

        int descriptor = PosixNative.eventfd(0, PosixNative.O_CLOEXEC | PosixNative.O_NONBLOCK);
        return descriptor < 0 ? null : new ThreadWake(descriptor);
    }

    /// <summary>Wakes the thread that polls <see cref="Descriptor"/> (or makes its next poll return at once).</summary>
    public void Signal()
    {
        ulong one = 1;
        PosixNative.write(Descriptor, (byte*)&one, sizeof(ulong));
    }

    /// <summary>Resets the counter, so that the next poll sleeps until the next <see cref="Signal"/>.</summary>
    public void Drain()
    {
        ulong count;
        PosixNative.read(Descriptor, (byte*)&count, sizeof(ulong));
    }

    public void Dispose()
    {
        int descriptor = Interlocked.Exchange(ref _descriptor, -1);
        if (descriptor >= 0)
        {
            PosixNative.close(descriptor);
        }
    }
}

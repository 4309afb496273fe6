using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using ConcurrencyTools.Engine.Measurement;

namespace ConcurrencyTools.Engine.Processes;

/// <summary>
/// Tells a <see cref="PosixChildProcess"/> the moment its child ends, without polling: each child gets a pidfd
/// (pidfd_open, Linux 5.3 and later), which becomes readable when the child exits, and one background thread
/// blocks in epoll_wait on all of them. A child that runs for a minute costs no wake-up while it runs, whatever
/// the number of children; the thread wakes once per exit. On a kernel without pidfd_open (or where it is
/// refused) <see cref="TryWatch"/> says so and the child falls back to polling wait4.
/// </summary>
/// <remarks>
/// The process has one, <see cref="Shared"/>, whose thread starts at the first watch and lives as long as the
/// process. Tests make their own and <see cref="Dispose"/> them, so that every part of a reaper, its set-up too,
/// runs in the test that checks it.
/// </remarks>
internal sealed unsafe class ChildReaper : IDisposable
{
    private const int EpollCtlAdd = 1;
    private const int EpollCtlDel = 2;
    private const uint EpollIn = 0x001;
    private const uint EpollOneShot = 1u << 30;
    private const int BatchSize = 64;

    // The stop wake's entry in the epoll set: no pidfd has this number.
    private const ulong StopMark = ulong.MaxValue;

    private readonly int _eventSize;
    private readonly int _dataOffset;
    private readonly object _gate = new();
    private readonly Dictionary<int, Action> _watched = new();
    private int _epoll = -1;
    private ThreadWake? _stop;
    private Thread? _thread;
    private int _threadId;
    private bool _unavailable;
    private bool _disposed;
    private long _wakeUps;

    /// <summary>A reaper of its own, with no thread until its first watch (tests; the process uses <see cref="Shared"/>).</summary>
    internal ChildReaper()
    {
        // struct epoll_event is packed on x86-64 (4 + 8 bytes) and naturally aligned elsewhere (4 + 4 padding + 8).
        bool packed = RuntimeInformation.ProcessArchitecture == Architecture.X64;
        _eventSize = packed ? 12 : 16;
        _dataOffset = packed ? 4 : 8;
    }

    /// <summary>The process's reaper: one thread for all of its children, never stopped.</summary>
    public static ChildReaper Shared { get; } = new();

    /// <summary>How many times the reaper thread woke up (once per batch of exits): an instrument for tests.</summary>
    internal long WakeUps => Interlocked.Read(ref _wakeUps);

    /// <summary>The reaper's thread, once its first watch started it.</summary>
    internal Thread? ReaperThread
    {
        get
        {
            lock (_gate)
            {
                return _thread;
            }
        }
    }

    /// <summary>The reaper thread's id in the OS (what /proc/self/task names it), once it runs; 0 before.</summary>
    internal int ThreadId => Volatile.Read(ref _threadId);

    /// <summary>How many children are watched now.</summary>
    internal int Watched
    {
        get
        {
            lock (_gate)
            {
                return _watched.Count;
            }
        }
    }

    /// <summary>
    /// Calls <paramref name="exited"/> once, on the reaper thread, when the child <paramref name="pid"/> has ended
    /// (it is then reapable with wait4). The child must not have been reaped yet, so that its id cannot have been
    /// reused. False when this kernel cannot watch it, or the reaper is stopped: poll instead.
    /// </summary>
    public bool TryWatch(int pid, Action exited)
    {
        lock (_gate)
        {
            if (_unavailable || _disposed || !EnsureStarted())
            {
                return false;
            }

            int pidfd = PosixNative.PidfdOpen(pid);
            if (pidfd < 0)
            {
                // ENOSYS (an old kernel) or EPERM/EACCES (a seccomp policy): it will not work for any child.
                int error = Marshal.GetLastPInvokeError();
                if (error is 38 or 1 or 13)
                {
                    _unavailable = true;
                }

                return false;
            }

            // Registered before it is armed: the thread looks the pidfd up under this lock, so an exit that is
            // already reported finds its entry.
            _watched[pidfd] = exited;
            if (!Add(_epoll, pidfd, (ulong)pidfd, EpollIn | EpollOneShot))
            {
                _watched.Remove(pidfd);
                close(pidfd);
                return false;
            }

            return true;
        }
    }

    /// <summary>
    /// Stops the reaper's thread and closes its descriptors, the watched children's too (their callbacks are not
    /// called); later watches are refused. Waits for the thread unless called on it.
    /// </summary>
    public void Dispose()
    {
        Thread? thread;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            thread = _thread;
            _stop?.Signal();
        }

        if (thread is not null && thread != Thread.CurrentThread)
        {
            thread.Join();
        }
    }

    private bool EnsureStarted()
    {
        if (_epoll >= 0)
        {
            return true;
        }

        int epoll = epoll_create1(PosixNative.O_CLOEXEC);
        if (epoll < 0)
        {
            _unavailable = true;
            return false;
        }

        ThreadWake? stop = ThreadWake.TryCreate();
        if (stop is null || !Add(epoll, stop.Descriptor, StopMark, EpollIn))
        {
            stop?.Dispose();
            close(epoll);
            _unavailable = true;
            return false;
        }

        _epoll = epoll;
        _stop = stop;
        _thread = new Thread(Run) { IsBackground = true, Name = "Child reaper" };
        _thread.Start();
        return true;
    }

    private bool Add(int epoll, int fd, ulong data, uint events)
    {
        byte* ev = stackalloc byte[16];
        *(uint*)ev = events;
        *(ulong*)(ev + _dataOffset) = data;
        return epoll_ctl(epoll, EpollCtlAdd, fd, ev) == 0;
    }

    private void Run()
    {
        Volatile.Write(ref _threadId, ThreadCpuClock.CurrentThreadId());
        byte* events = stackalloc byte[BatchSize * 16];
        var ready = new List<Action>(BatchSize);
        bool stopping = false;
        while (!stopping)
        {
            int count = epoll_wait(_epoll, events, BatchSize, -1);
            if (count <= 0)
            {
                // EINTR (a signal landed on this thread): wait again.
                continue;
            }

            Interlocked.Increment(ref _wakeUps);
            lock (_gate)
            {
                for (int i = 0; i < count; i++)
                {
                    ulong data = *(ulong*)(events + (i * _eventSize) + _dataOffset);
                    if (data == StopMark)
                    {
                        stopping = true;
                    }
                    else if (_watched.Remove((int)data, out Action? exited))
                    {
                        epoll_ctl(_epoll, EpollCtlDel, (int)data, null);
                        close((int)data);
                        ready.Add(exited);
                    }
                }
            }

            foreach (Action exited in ready)
            {
                try
                {
                    exited();
                }
                catch (Exception)
                {
                    // A callback only completes a task; nothing it throws may stop the reaper for the other children.
                }
            }

            ready.Clear();
        }

        // Stopped: the descriptors are closed here, where nothing waits on them any more.
        lock (_gate)
        {
            foreach (int pidfd in _watched.Keys)
            {
                close(pidfd);
            }

            _watched.Clear();
            close(_epoll);
            _epoll = -1;
            _stop!.Dispose();
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int epoll_create1(int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int epoll_ctl(int epoll, int operation, int fd, void* ev);

    [DllImport("libc", SetLastError = true)]
    private static extern int epoll_wait(int epoll, void* events, int maxEvents, int timeout);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);
}

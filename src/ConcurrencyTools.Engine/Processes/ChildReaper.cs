using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;

namespace ConcurrencyTools.Engine.Processes;

/// <summary>
/// Tells a <see cref="PosixChildProcess"/> the moment its child ends, without polling: each child gets a pidfd
/// (pidfd_open, Linux 5.3 and later), which becomes readable when the child exits, and one background thread
/// blocks in epoll_wait on all of them. A child that runs for a minute costs no wake-up while it runs, whatever
/// the number of children; the thread wakes once per exit. On a kernel without pidfd_open (or where it is
/// refused) <see cref="TryWatch"/> says so and the child falls back to polling wait4.
/// </summary>
internal static unsafe class ChildReaper
{
    private const int EpollCtlAdd = 1;
    private const int EpollCtlDel = 2;
    private const uint EpollIn = 0x001;
    private const uint EpollOneShot = 1u << 30;
    private const int BatchSize = 64;

    // struct epoll_event is packed on x86-64 (4 + 8 bytes) and naturally aligned elsewhere (4 + 4 padding + 8).
    private static readonly int s_eventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    private static readonly int s_dataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;
    private static readonly object s_gate = new();
    private static readonly Dictionary<int, Action> s_watched = new();
    private static int s_epoll = -1;
    private static bool s_unavailable;
    private static long s_wakeUps;

    /// <summary>How many times the reaper thread woke up (once per batch of exits): an instrument for tests.</summary>
    internal static long WakeUps => Interlocked.Read(ref s_wakeUps);

    /// <summary>How many children are watched now.</summary>
    internal static int Watched
    {
        get
        {
            lock (s_gate)
            {
                return s_watched.Count;
            }
        }
    }

    /// <summary>
    /// Calls <paramref name="exited"/> once, on the reaper thread, when the child <paramref name="pid"/> has ended
    /// (it is then reapable with wait4). The child must not have been reaped yet, so that its id cannot have been
    /// reused. False when this kernel cannot watch it: poll instead.
    /// </summary>
    public static bool TryWatch(int pid, Action exited)
    {
        lock (s_gate)
        {
            if (s_unavailable || !EnsureStarted())
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
                    s_unavailable = true;
                }

                return false;
            }

            // Registered before it is armed: the thread looks the pidfd up under this lock, so an exit that is
            // already reported finds its entry.
            s_watched[pidfd] = exited;
            byte* ev = stackalloc byte[16];
            *(uint*)ev = EpollIn | EpollOneShot;
            *(ulong*)(ev + s_dataOffset) = (ulong)pidfd;
            if (epoll_ctl(s_epoll, EpollCtlAdd, pidfd, ev) != 0)
            {
                s_watched.Remove(pidfd);
                close(pidfd);
                return false;
            }

            return true;
        }
    }

    private static bool EnsureStarted()
    {
        if (s_epoll >= 0)
        {
            return true;
        }

        int epoll = epoll_create1(PosixNative.O_CLOEXEC);
        if (epoll < 0)
        {
            s_unavailable = true;
            return false;
        }

        s_epoll = epoll;
        new Thread(Run) { IsBackground = true, Name = "Child reaper" }.Start();
        return true;
    }

    private static void Run()
    {
        byte* events = stackalloc byte[BatchSize * 16];
        var ready = new List<Action>(BatchSize);
        while (true)
        {
            int count = epoll_wait(s_epoll, events, BatchSize, -1);
            if (count <= 0)
            {
                // EINTR (a signal landed on this thread): wait again.
                continue;
            }

            Interlocked.Increment(ref s_wakeUps);
            lock (s_gate)
            {
                for (int i = 0; i < count; i++)
                {
                    int pidfd = (int)*(ulong*)(events + (i * s_eventSize) + s_dataOffset);
                    if (s_watched.Remove(pidfd, out Action? exited))
                    {
                        epoll_ctl(s_epoll, EpollCtlDel, pidfd, null);
                        close(pidfd);
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

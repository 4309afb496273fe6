using System;
using System.Runtime.InteropServices;

namespace ConcurrencyTools.Engine.Processes;

/// <summary>
/// The few libc calls behind <see cref="PosixChildProcess"/>: posix_spawn (a vfork-speed start that can put
/// the child in its own process group), pipes, wait4 (exit status plus the child's CPU time and peak
/// resident set), kill, and poll, read and an eventfd for a thread that reads a child's pipes itself.
/// Layouts are those of 64-bit Linux with glibc or musl.
/// </summary>
internal static unsafe class PosixNative
{
    private const string LibC = "libc";

    public const int SIGKILL = 9;
    public const int WNOHANG = 1;
    public const int WEXITED = 4;
    public const int WNOWAIT = 0x01000000;
    public const int P_PID = 1;

    /// <summary>Room for siginfo_t (128 bytes).</summary>
    public const int SignalInfoSize = 128;
    public const int EINTR = 4;
    public const int ECHILD = 10;
    public const int ESRCH = 3;
    public const int EAGAIN = 11;
    public const int O_CLOEXEC = 0x80000;
    public const int O_NONBLOCK = 0x800;
    public const short POLLIN = 0x1;
    public const short POLLHUP = 0x10;
    public const short POSIX_SPAWN_SETPGROUP = 0x02;
    public const short POSIX_SPAWN_SETSIGDEF = 0x04;
    public const short POSIX_SPAWN_SETSIGMASK = 0x08;

    /// <summary>Room for posix_spawn_file_actions_t (80 bytes in glibc), posix_spawnattr_t (336) and sigset_t (128).</summary>
    public const int OpaqueSize = 1024;

    /// <summary>struct rusage on 64-bit Linux: two timevals, then fourteen longs starting with ru_maxrss (KiB).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ResourceUsage
    {
        public long UserSeconds;
        public long UserMicroseconds;
        public long SystemSeconds;
        public long SystemMicroseconds;
        public long MaxResidentKilobytes;
        public fixed long Rest[13];
    }

    /// <summary>struct pollfd: a descriptor, the events to wait for, and those that happened.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PollDescriptor
    {
        public int Descriptor;
        public short Events;
        public short ReturnedEvents;
    }

    /// <summary>Whether this process can use the calls as declared here.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() && Environment.Is64BitProcess;

    /// <summary>pidfd_open's number: the same on every architecture (new system calls are numbered alike).</summary>
    private const int SysPidfdOpen = 434;

    /// <summary>
    /// A pidfd for <paramref name="pid"/> (Linux 5.3 and later): readable once the process ends, and never another
    /// process's even if the id is reused. Negative when the kernel lacks the call or no such process is there.
    /// </summary>
    public static int PidfdOpen(int pid) => (int)syscall(SysPidfdOpen, pid, 0);

    [DllImport(LibC, SetLastError = true)]
    public static extern int pipe2(int* fds, int flags);

    [DllImport(LibC, SetLastError = true)]
    public static extern int close(int fd);

    [DllImport(LibC)]
    public static extern int posix_spawn_file_actions_init(void* actions);

    [DllImport(LibC)]
    public static extern int posix_spawn_file_actions_destroy(void* actions);

    [DllImport(LibC)]
    public static extern int posix_spawn_file_actions_adddup2(void* actions, int fd, int newFd);

    [DllImport(LibC)]
    public static extern int posix_spawn_file_actions_addchdir_np(void* actions, byte* path);

    [DllImport(LibC)]
    public static extern int posix_spawnattr_init(void* attributes);

    [DllImport(LibC)]
    public static extern int posix_spawnattr_destroy(void* attributes);

    [DllImport(LibC)]
    public static extern int posix_spawnattr_setflags(void* attributes, short flags);

    [DllImport(LibC)]
    public static extern int posix_spawnattr_setpgroup(void* attributes, int processGroup);

    [DllImport(LibC)]
    public static extern int posix_spawnattr_setsigmask(void* attributes, void* mask);

    [DllImport(LibC)]
    public static extern int posix_spawnattr_setsigdefault(void* attributes, void* signals);

    [DllImport(LibC)]
    public static extern int sigemptyset(void* set);

    [DllImport(LibC)]
    public static extern int sigfillset(void* set);

    /// <summary>Returns 0 or an error number (not through errno).</summary>
    [DllImport(LibC)]
    public static extern int posix_spawn(int* pid, byte* path, void* fileActions, void* attributes, byte** argv, byte** envp);

    [DllImport(LibC, SetLastError = true)]
    public static extern int wait4(int pid, int* status, int options, ResourceUsage* usage);

    /// <summary>With WNOWAIT: waits until the child can be reaped, and leaves it to be reaped (its id stays taken).</summary>
    [DllImport(LibC, SetLastError = true)]
    public static extern int waitid(int idType, int id, void* info, int options);

    [DllImport(LibC, SetLastError = true)]
    public static extern int kill(int pid, int signal);

    [DllImport(LibC, SetLastError = true)]
    public static extern int poll(PollDescriptor* descriptors, ulong count, int timeoutMilliseconds);

    [DllImport(LibC, SetLastError = true)]
    public static extern nint read(int fd, byte* buffer, nuint count);

    [DllImport(LibC, SetLastError = true)]
    public static extern nint write(int fd, byte* buffer, nuint count);

    /// <summary>An eventfd (flags: O_CLOEXEC, O_NONBLOCK): a counter that poll sees readable while it is not zero.</summary>
    [DllImport(LibC, SetLastError = true)]
    public static extern int eventfd(uint initialValue, int flags);

    [DllImport(LibC, SetLastError = true)]
    private static extern long syscall(long number, int pid, uint flags);
}

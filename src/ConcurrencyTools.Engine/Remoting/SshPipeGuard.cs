using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Management.Automation.Runspaces;
using System.Runtime.InteropServices;
using System.Threading;
using ConcurrencyTools.Engine.Processes;

namespace ConcurrencyTools.Engine.Remoting;

/// <summary>
/// Keeps PowerShell's SSH client from ending this whole process when a host dies. The client writes its messages
/// into the stdin pipe of an ssh process it starts. When that ssh ends, the client's error thread disposes its
/// writer, and the flush of what was still buffered into the pipe, which has no reader any more, throws
/// <see cref="IOException"/> (broken pipe) on that thread, where nothing catches it (PowerShell 7.4 to 7.6,
/// <c>SSHClientSessionTransportManager.CloseConnection</c>): pwsh ends with every row not yet written. A guard holds a
/// second read end of each such pipe (opened through <c>/proc/&lt;ssh&gt;/fd/0</c>), so the pipe never lacks a
/// reader and no write into it fails; it reads nothing while ssh runs, and once ssh has ended it reads and drops what
/// is written until the client has closed its writer. Linux only; elsewhere, or when no ssh process of the session
/// is found, <see cref="Start(string, int, string)"/> returns a guard that holds nothing.
/// </summary>
internal sealed unsafe class SshPipeGuard : IDisposable
{
    private const int ORdOnly = 0;

    /// <summary>How long a guard keeps draining after its ssh ended, if the client never closes its writer.</summary>
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(60);

    private readonly List<Held> _held = new();
    private readonly TimeSpan _drainLimit;
    private readonly int[] _stop = { -1, -1 };
    private Thread? _thread;
    private int _disposed;
    private int _drained;
    private int _exited;

    private SshPipeGuard(TimeSpan drainLimit)
    {
        _drainLimit = drainLimit;
    }

    /// <summary>The ssh processes whose stdin this guard holds.</summary>
    public IReadOnlyList<int> SshProcessIds => _held.ConvertAll(h => h.Pid);

    /// <summary>How many guarded pipes were drained after their ssh ended (an instrument for tests).</summary>
    public int Drained => Volatile.Read(ref _drained);

    /// <summary>How many guarded ssh processes the guard has seen end (an instrument for tests).</summary>
    public int Exited => Volatile.Read(ref _exited);

    /// <summary>
    /// The guard of a session over SSH (a guard that holds nothing for any other kind). The module builds against
    /// PowerShell Standard, which has no SSHConnectionInfo, so its public Port and Subsystem are read by name.
    /// </summary>
    public static SshPipeGuard For(PSSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        RunspaceConnectionInfo? info = session.Runspace?.ConnectionInfo;
        if (info is null || info.GetType().Name != "SSHConnectionInfo")
        {
            return new SshPipeGuard(DrainLimit);
        }

        int port = info.GetType().GetProperty("Port")?.GetValue(info) is int value ? value : 0;
        string subsystem = info.GetType().GetProperty("Subsystem")?.GetValue(info) as string is { Length: > 0 } named ? named : "powershell";
        return Start(info.ComputerName.TrimStart('[').TrimEnd(']'), port, subsystem);
    }

    /// <summary>
    /// Guards the stdin pipe of every ssh process this process started for a session to <paramref name="computerName"/>
    /// with <paramref name="subsystem"/> (its command line ends "-s &lt;host&gt; &lt;subsystem&gt;") and, when it has
    /// one, "-p &lt;port&gt;". More than one session to the same host are all guarded,
    /// which costs nothing while their ssh runs.
    /// </summary>
    public static SshPipeGuard Start(string computerName, int port, string subsystem) => Start(computerName, port, subsystem, DrainLimit);

    /// <summary>As <see cref="Start(string, int, string)"/>, with the drain limit made shorter (tests only: the real one is a minute).</summary>
    internal static SshPipeGuard Start(string computerName, int port, string subsystem, TimeSpan drainLimit)
    {
        var guard = new SshPipeGuard(drainLimit);
        if (!OperatingSystem.IsLinux() || string.IsNullOrEmpty(computerName))
        {
            return guard;
        }

        foreach (int pid in FindSshProcesses(Environment.ProcessId, computerName, port, subsystem))
        {
            guard.TryHold(pid);
        }

        if (guard._held.Count > 0)
        {
            guard.StartThread();
        }

        return guard;
    }

    /// <summary>Children of <paramref name="parent"/> named ssh whose arguments name the session's host, port and subsystem.</summary>
    internal static List<int> FindSshProcesses(int parent, string computerName, int port, string subsystem)
    {
        var found = new List<int>();
        foreach (string directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }

            try
            {
                // "pid (comm) state ppid ...": the name may hold spaces and parentheses, so read from the last ')'.
                string stat = File.ReadAllText(directory + "/stat");
                int open = stat.IndexOf('(', StringComparison.Ordinal);
                int close = stat.LastIndexOf(')');
                if (open < 0 || close < open || stat[(open + 1)..close] != "ssh")
                {
                    continue;
                }

                string[] fields = stat[(close + 2)..].Split(' ');
                if (fields.Length < 2 || fields[1] != parent.ToString(CultureInfo.InvariantCulture))
                {
                    continue;
                }

                string[] arguments = File.ReadAllText(directory + "/cmdline").TrimEnd('\0').Split('\0');
                if (IsSessionCommandLine(arguments, computerName, port, subsystem))
                {
                    found.Add(pid);
                }
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                // Ended meanwhile, or not ours to read.
            }
        }

        return found;
    }

    /// <summary>Whether ssh's arguments are those PowerShell gives it for a session: "-s host subsystem" at the end, and "-p port".</summary>
    internal static bool IsSessionCommandLine(IReadOnlyList<string> arguments, string computerName, int port, string subsystem)
    {
        int n = arguments.Count;
        if (n < 4 || arguments[n - 3] != "-s" || !string.Equals(arguments[n - 2], computerName, StringComparison.OrdinalIgnoreCase) || arguments[n - 1] != subsystem)
        {
            return false;
        }

        for (int i = 1; i < n - 4; i++)
        {
            if (arguments[i] == "-p")
            {
                return port > 0 && arguments[i + 1] == port.ToString(CultureInfo.InvariantCulture);
            }
        }

        // No "-p": PowerShell leaves it out for port 0 (ssh's own default), and a session to 22 reaches the same ssh.
        return port <= 0 || port == 22;
    }

    private void TryHold(int pid)
    {
        string stdin = $"/proc/{pid}/fd/0";
        try
        {
            if (new FileInfo(stdin).LinkTarget is not string target || !target.StartsWith("pipe:", StringComparison.Ordinal))
            {
                return;
            }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return;
        }

        // Non-blocking: opening a pipe for reading would otherwise wait for a writer if the client had closed it already.
        int fd;
        fixed (byte* path = System.Text.Encoding.UTF8.GetBytes(stdin + "\0"))
        {
            fd = open(path, ORdOnly | PosixNative.O_NONBLOCK | PosixNative.O_CLOEXEC);
        }

        if (fd < 0)
        {
            return;
        }

        // Opened after the ssh process was seen: if it ended and its id went to another process meanwhile, the pidfd
        // names that one and the guard merely drains later than it could; the pipe held is the session's either way.
        int pidfd = PosixNative.PidfdOpen(pid);
        if (pidfd < 0)
        {
            PosixNative.close(fd);
            return;
        }

        _held.Add(new Held(pid, pidfd, fd));
    }

    private void StartThread()
    {
        fixed (int* ends = _stop)
        {
            if (PosixNative.pipe2(ends, PosixNative.O_CLOEXEC) != 0)
            {
                _stop[0] = _stop[1] = -1;
            }
        }

        _thread = new Thread(Watch) { IsBackground = true, Name = "ssh pipe guard" };
        _thread.Start();
    }

    /// <summary>
    /// Waits, without waking, for an ssh to end or the guard to be disposed. A pipe whose ssh ended is drained until
    /// its writer closes (end of file) or the drain limit passes; a pipe whose ssh still runs when the guard
    /// is disposed is let go at once.
    /// </summary>
    private void Watch()
    {
        var buffer = new byte[16384];
        while (true)
        {
            var open = _held.FindAll(h => h.Fd >= 0);
            if (open.Count == 0)
            {
                break;
            }

            bool stopped = _stop[0] < 0 || Volatile.Read(ref _disposed) != 0;
            if (stopped)
            {
                foreach (Held held in open.FindAll(h => h.ExitedAt is null))
                {
                    Release(held);
                }
            }

            // One pollfd per open pipe: its pidfd while ssh runs, then the pipe itself; then the stop pipe.
            open = _held.FindAll(h => h.Fd >= 0);
            if (open.Count == 0)
            {
                break;
            }

            var fds = new PosixNative.PollDescriptor[open.Count + 1];
            for (int i = 0; i < open.Count; i++)
            {
                fds[i] = new PosixNative.PollDescriptor { Descriptor = open[i].ExitedAt is null ? open[i].PidFd : open[i].Fd, Events = PosixNative.POLLIN };
            }

            int count = open.Count;
            if (!stopped)
            {
                fds[count++] = new PosixNative.PollDescriptor { Descriptor = _stop[0], Events = PosixNative.POLLIN };
            }

            // While draining, wake once a second to honour the drain limit.
            bool draining = open.Exists(h => h.ExitedAt is not null);
            int result;
            fixed (PosixNative.PollDescriptor* polled = fds)
            {
                result = PosixNative.poll(polled, (ulong)count, draining ? 1000 : -1);
            }

            if (result < 0 && Marshal.GetLastPInvokeError() != PosixNative.EINTR)
            {
                break;
            }

            for (int i = 0; i < open.Count; i++)
            {
                Held held = open[i];
                if (held.ExitedAt is null)
                {
                    if ((fds[i].ReturnedEvents & (PosixNative.POLLIN | PosixNative.POLLHUP)) != 0)
                    {
                        held.ExitedAt = DateTime.UtcNow;
                        Interlocked.Increment(ref _exited);
                    }

                    continue;
                }

                if (Drain(held, buffer) || DateTime.UtcNow - held.ExitedAt > _drainLimit)
                {
                    Release(held);
                    Interlocked.Increment(ref _drained);
                }
            }
        }

        foreach (Held held in _held)
        {
            Release(held);
        }

        CloseStop();
    }

    /// <summary>Reads and drops what the client wrote; true at end of file (every writer closed).</summary>
    private static bool Drain(Held held, byte[] buffer)
    {
        fixed (byte* data = buffer)
        {
            while (true)
            {
                long read = PosixNative.read(held.Fd, data, (nuint)buffer.Length);
                if (read > 0)
                {
                    continue;
                }

                if (read == 0)
                {
                    return true;
                }

                int error = Marshal.GetLastPInvokeError();
                return error != PosixNative.EINTR && error != PosixNative.EAGAIN;
            }
        }
    }

    private static void Release(Held held)
    {
        if (held.Fd >= 0)
        {
            PosixNative.close(held.Fd);
            held.Fd = -1;
        }

        if (held.PidFd >= 0)
        {
            PosixNative.close(held.PidFd);
            held.PidFd = -1;
        }
    }

    private void CloseStop()
    {
        lock (_stop)
        {
            for (int i = 0; i < 2; i++)
            {
                if (_stop[i] >= 0)
                {
                    PosixNative.close(_stop[i]);
                    _stop[i] = -1;
                }
            }
        }
    }

    /// <summary>Lets go of the pipes whose ssh still runs; a pipe whose ssh ended is drained until its writer closes.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_thread is null)
        {
            foreach (Held held in _held)
            {
                Release(held);
            }

            return;
        }

        lock (_stop)
        {
            if (_stop[1] >= 0)
            {
                byte one = 1;
                _ = PosixNative.write(_stop[1], &one, 1);
            }
        }
    }

    /// <summary>Waits for the guard's thread to end (tests only).</summary>
    internal bool Join(TimeSpan timeout) => _thread?.Join(timeout) ?? true;

    /// <summary>The two ends of the pipe that stops the thread, -1 once closed (tests only).</summary>
    internal int[] StopDescriptors
    {
        get
        {
            lock (_stop)
            {
                return (int[])_stop.Clone();
            }
        }
    }

    private sealed class Held(int pid, int pidFd, int fd)
    {
        public int Pid { get; } = pid;

        public int PidFd { get; set; } = pidFd;

        public int Fd { get; set; } = fd;

        public DateTime? ExitedAt { get; set; }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int open(byte* path, int flags);
}

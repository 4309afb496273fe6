using System;
using System.Buffers;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.IO.Pipes;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;

namespace ConcurrencyTools.Engine.Processes;

/// <summary>
/// A child started with posix_spawn (64-bit Linux). Its own process group lets a kill reach grandchildren
/// that were re-parented; reaping it with wait4 (it is not System.Diagnostics.Process's child, so nothing else
/// reaps it) gives the exit status together with its CPU time and peak resident set. The pipes are
/// <see cref="AnonymousPipeClientStream"/>s, read asynchronously through the runtime's epoll loop. Its end is
/// reported by <see cref="ChildReaper"/> (a pidfd) when a wait finds it running, so waiting costs nothing while it runs.
/// </summary>
internal sealed class PosixChildProcess : ChildProcess
{
    private static readonly int[] ChildEnds = { 0, 3, 5 };
    private static readonly int[] AllEnds = { 0, 1, 2, 3, 4, 5 };
    private static long s_selfPeakBytes;
    private readonly object _gate = new();
    private readonly int _pid;
    private readonly AnonymousPipeClientStream _stdin;
    private readonly AnonymousPipeClientStream _stdout;
    private readonly AnonymousPipeClientStream _stderr;
    private TaskCompletionSource? _ended;
    private bool _unwatchable;
    private ChildExit? _exit;
    private int _disposed;
    private int _exitPolls;

    private PosixChildProcess(int pid, int stdin, int stdout, int stderr)
    {
        _pid = pid;
        _stdin = new AnonymousPipeClientStream(PipeDirection.Out, new SafePipeHandle((IntPtr)stdin, ownsHandle: true));
        _stdout = new AnonymousPipeClientStream(PipeDirection.In, new SafePipeHandle((IntPtr)stdout, ownsHandle: true));
        _stderr = new AnonymousPipeClientStream(PipeDirection.In, new SafePipeHandle((IntPtr)stderr, ownsHandle: true));
    }

    /// <summary>
    /// How many times a wait for this child's exit checked again and found it still running (an instrument for
    /// tests): 0 when the exit was reported by the reaper, more when the wait had to poll.
    /// </summary>
    internal int ExitPolls => Volatile.Read(ref _exitPolls);

    /// <summary>Makes this child's waits poll, as on a kernel without pidfd_open (tests of the fallback only).</summary>
    internal void NeverWatchForTests()
    {
        lock (_gate)
        {
            _unwatchable = true;
        }
    }

    /// <summary>Whether a wait handed this child to <see cref="ChildReaper"/> (an instrument for tests).</summary>
    internal bool Watched
    {
        get
        {
            lock (_gate)
            {
                return _ended is not null;
            }
        }
    }

    public override int Id => _pid;

    public override Stream StandardInput => _stdin;

    public override Stream StandardOutput => _stdout;

    public override Stream StandardError => _stderr;

    public static unsafe PosixChildProcess Start(ChildStartInfo info)
    {
        ChildEnvironment environment = info.PreparedEnvironment ?? ChildEnvironment.Build(info.Environment);
        string file = ResolveExecutable(info.FileName, info.WorkingDirectory, environment.Path);
        if (info.WorkingDirectory is not null && !Directory.Exists(info.WorkingDirectory))
        {
            throw new ChildStartException($"The working directory '{info.WorkingDirectory}' does not exist.", ChildStartFailure.NotFound);
        }

        // pipe2 gives [read, write]: [0] child's stdin, [1] ours; [2] ours, [3] child's stdout; [4] ours, [5] child's
        // stderr. All close on exec, so no other child started meanwhile inherits them.
        int* fds = stackalloc int[6] { -1, -1, -1, -1, -1, -1 };
        var strings = new List<IntPtr>();
        byte* actions = stackalloc byte[PosixNative.OpaqueSize];
        byte* attributes = stackalloc byte[PosixNative.OpaqueSize];
        byte* empty = stackalloc byte[PosixNative.OpaqueSize];
        byte* all = stackalloc byte[PosixNative.OpaqueSize];
        bool started = false;
        try
        {
            for (int i = 0; i < 6; i += 2)
            {
                if (PosixNative.pipe2(fds + i, PosixNative.O_CLOEXEC) != 0)
                {
                    throw new ChildStartException($"Could not create a pipe for '{info.FileName}': {new Win32Exception(Marshal.GetLastPInvokeError()).Message}");
                }
            }

            byte** argv = (byte**)Native(strings, IntPtr.Zero, (info.Arguments.Count + 2) * IntPtr.Size);
            argv[0] = (byte*)Native(strings, Marshal.StringToCoTaskMemUTF8(info.FileName));
            for (int i = 0; i < info.Arguments.Count; i++)
            {
                argv[i + 1] = (byte*)Native(strings, Marshal.StringToCoTaskMemUTF8(info.Arguments[i]));
            }

            argv[info.Arguments.Count + 1] = null;
            byte* fileName = (byte*)Native(strings, Marshal.StringToCoTaskMemUTF8(file));

            PosixNative.posix_spawn_file_actions_init(actions);
            PosixNative.posix_spawnattr_init(attributes);
            try
            {
                PosixNative.posix_spawn_file_actions_adddup2(actions, fds[0], 0);
                PosixNative.posix_spawn_file_actions_adddup2(actions, fds[3], 1);
                PosixNative.posix_spawn_file_actions_adddup2(actions, fds[5], 2);
                if (info.WorkingDirectory is not null)
                {
                    PosixNative.posix_spawn_file_actions_addchdir_np(actions, (byte*)Native(strings, Marshal.StringToCoTaskMemUTF8(info.WorkingDirectory)));
                }

                // A group of its own; default signal handling (the runtime ignores SIGPIPE, a child must not inherit
                // that) and nothing blocked, as a shell would start it. The cast keeps the flags a short when they are
                // not a constant (a mutation test's mutant of an operator), so Start compiles under every mutant.
                PosixNative.sigemptyset(empty);
                PosixNative.sigfillset(all);
                PosixNative.posix_spawnattr_setflags(attributes, (short)(PosixNative.POSIX_SPAWN_SETPGROUP | PosixNative.POSIX_SPAWN_SETSIGDEF | PosixNative.POSIX_SPAWN_SETSIGMASK));
                PosixNative.posix_spawnattr_setpgroup(attributes, 0);
                PosixNative.posix_spawnattr_setsigmask(attributes, empty);
                PosixNative.posix_spawnattr_setsigdefault(attributes, all);

                int pid;
                int error = PosixNative.posix_spawn(&pid, fileName, actions, attributes, argv, (byte**)environment.Block);
                GC.KeepAlive(environment);
                if (error != 0)
                {
                    throw new ChildStartException($"Could not start '{info.FileName}': {new Win32Exception(error).Message}.", FailureOf(error));
                }

                var child = new PosixChildProcess(pid, fds[1], fds[2], fds[4]);
                started = true;
                return child;
            }
            finally
            {
                PosixNative.posix_spawnattr_destroy(attributes);
                PosixNative.posix_spawn_file_actions_destroy(actions);
            }
        }
        finally
        {
            foreach (IntPtr text in strings)
            {
                Marshal.FreeCoTaskMem(text);
            }

            // The child's ends are its own now; ours go with the streams, or here when nothing started.
            foreach (int i in started ? ChildEnds : AllEnds)
            {
                if (fds[i] >= 0)
                {
                    PosixNative.close(fds[i]);
                }
            }
        }
    }

    /// <summary>
    /// Reads both output pipes to their ends on the calling thread, asleep in poll(2) between reads: no other thread
    /// takes part, where the asynchronous reads of <see cref="StandardOutput"/> and <see cref="StandardError"/> go
    /// through the runtime's epoll thread and then the thread pool. Returns when both pipes have ended, or once
    /// <paramref name="abandonAt"/> (a <see cref="Stopwatch"/> timestamp, or <see cref="long.MaxValue"/> for never; read
    /// again whenever <paramref name="wake"/> is signalled) has passed: output held open by a descendant that a kill
    /// did not reach. What was read stays in the captures.
    /// </summary>
    internal unsafe void ReadOutputs(OutputCapture stdout, OutputCapture stderr, ThreadWake wake, Func<long> abandonAt)
    {
        PosixNative.PollDescriptor* polls = stackalloc PosixNative.PollDescriptor[3];
        polls[0] = new PosixNative.PollDescriptor { Descriptor = (int)_stdout.SafePipeHandle.DangerousGetHandle(), Events = PosixNative.POLLIN };
        polls[1] = new PosixNative.PollDescriptor { Descriptor = (int)_stderr.SafePipeHandle.DangerousGetHandle(), Events = PosixNative.POLLIN };
        polls[2] = new PosixNative.PollDescriptor { Descriptor = wake.Descriptor, Events = PosixNative.POLLIN };
        byte[] buffer = ArrayPool<byte>.Shared.Rent(OutputCapture.ReadSize);
        try
        {
            fixed (byte* bytes = buffer)
            {
                // A pipe that has ended gets a negative descriptor, which poll skips.
                while (polls[0].Descriptor >= 0 || polls[1].Descriptor >= 0)
                {
                    int timeout = Models.EventLoopSynchronizationContext.MillisecondsUntil(abandonAt());
                    if (timeout == 0)
                    {
                        return;
                    }

                    if (PosixNative.poll(polls, 3, timeout) < 0)
                    {
                        if (Marshal.GetLastPInvokeError() == PosixNative.EINTR)
                        {
                            continue;
                        }

                        return;
                    }

                    if (polls[2].ReturnedEvents != 0)
                    {
                        wake.Drain();
                    }

                    for (int i = 0; i < 2; i++)
                    {
                        if (polls[i].Descriptor < 0 || polls[i].ReturnedEvents == 0)
                        {
                            continue;
                        }

                        // Readable or hung up: a read returns what is there, or 0 at the end.
                        long read = PosixNative.read(polls[i].Descriptor, bytes, (nuint)buffer.Length);
                        if (read > 0)
                        {
                            (i == 0 ? stdout : stderr).Append(buffer, (int)read);
                        }
                        else if (read == 0 || Marshal.GetLastPInvokeError() is not (PosixNative.EINTR or PosixNative.EAGAIN))
                        {
                            polls[i].Descriptor = -1;
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Waits on the calling thread for the child's exit and reaps it: for a thread of its own that has read the
    /// child's output to its end (<see cref="ReadOutputs"/>). The output ends as the child exits, a moment before it
    /// can be reaped; waitid with WNOWAIT sleeps through that moment without reaping, outside the lock that a kill
    /// takes, where a wait through <see cref="ChildReaper"/> would wake its thread and then a thread-pool thread.
    /// </summary>
    internal unsafe ChildExit WaitForExit()
    {
        if (TryReap(out ChildExit exit))
        {
            return exit;
        }

        byte* info = stackalloc byte[PosixNative.SignalInfoSize];
        while (PosixNative.waitid(PosixNative.P_PID, _pid, info, PosixNative.WEXITED | PosixNative.WNOWAIT) < 0 &&
            Marshal.GetLastPInvokeError() == PosixNative.EINTR)
        {
        }

        // Reapable now, or (ECHILD) reaped elsewhere, which TryReap reports too; anything else, the usual wait.
        return TryReap(out exit) ? exit : WaitForExitAsync().GetAwaiter().GetResult();
    }

    public override async Task<ChildExit> WaitForExitAsync(CancellationToken cancellationToken = default)
    {
        if (TryReap(out ChildExit exit))
        {
            return exit;
        }

        if (Ended() is Task ended)
        {
            await ended.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (TryReap(out exit))
            {
                return exit;
            }
        }

        // No reaper on this kernel (or, never seen, an exit reported before wait4 could see it): poll. A child that
        // closed its output is ending and becomes reapable microseconds later; one that still runs is polled with
        // a growing pause.
        int pause = 0;
        for (int attempt = 0; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Interlocked.Increment(ref _exitPolls);
            if (attempt < 20)
            {
                Thread.Yield();
            }
            else
            {
                pause = Math.Min(Math.Max(1, pause * 2), 50);
                await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
            }

            if (TryReap(out exit))
            {
                return exit;
            }
        }
    }

    public override void KillTree()
    {
        lock (_gate)
        {
            // Once reaped, the id may belong to someone else.
            if (_exit is not null)
            {
                return;
            }

            List<int> descendants = ProcessTree.Descendants(_pid);
            PosixNative.kill(-_pid, PosixNative.SIGKILL);
            PosixNative.kill(_pid, PosixNative.SIGKILL);
            foreach (int pid in descendants)
            {
                PosixNative.kill(pid, PosixNative.SIGKILL);
            }
        }
    }

    public override void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (!TryReap(out _))
        {
            KillTree();

            // Blocking on the reaper's signal itself needs no thread-pool thread to run a continuation: a pool being
            // stopped may be disposing a child on every one of them.
            Ended()?.Wait();
            if (!TryReap(out _))
            {
                WaitForExitAsync().GetAwaiter().GetResult();
            }
        }

        DisposeQuietly(_stdin);
        _stdout.Dispose();
        _stderr.Dispose();
        LiveChildren.Remove(this);
    }

    private static void DisposeQuietly(Stream stream)
    {
        try
        {
            stream.Dispose();
        }
        catch (IOException)
        {
            // Flushing into a pipe whose reader is gone.
        }
    }

    /// <summary>
    /// A task that completes when the child has ended, from <see cref="ChildReaper"/>; null when this kernel cannot
    /// watch it (poll instead) or when it is reaped already. The watch starts only when a wait finds the child still
    /// running: a task's output closes as it exits, so most waits reap it at once, and a child never watched costs
    /// the reaper thread no wake-up (before, it woke once for every child).
    /// </summary>
    private Task? Ended()
    {
        lock (_gate)
        {
            // Under the lock that reaping takes: the id cannot be reused between the check and the watch.
            if (_ended is null && !_unwatchable && _exit is null)
            {
                // Asynchronous continuations: the reaper thread only completes the task, it never runs a waiter's code.
                var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                if (ChildReaper.Shared.TryWatch(_pid, () => ended.TrySetResult()))
                {
                    _ended = ended;
                }
                else
                {
                    _unwatchable = true;
                }
            }

            return _ended?.Task;
        }
    }

    private unsafe bool TryReap(out ChildExit exit)
    {
        lock (_gate)
        {
            if (_exit is { } known)
            {
                exit = known;
                return true;
            }

            int status;
            PosixNative.ResourceUsage usage;
            int result = PosixNative.wait4(_pid, &status, PosixNative.WNOHANG, &usage);
            if (result == _pid)
            {
                var cpu = TimeSpan.FromTicks(
                    ((usage.UserSeconds + usage.SystemSeconds) * 1_000_000 + usage.UserMicroseconds + usage.SystemMicroseconds) * 10);
                _exit = ChildExit.FromWaitStatus(status, cpu, OwnPeak(usage.MaxResidentKilobytes * 1024));
            }
            else if (result < 0 && Marshal.GetLastPInvokeError() == PosixNative.ECHILD)
            {
                // Reaped by someone else (a host that ignores SIGCHLD): it has ended, how is unknown.
                _exit = new ChildExit(null, null, null, null);
            }

            exit = _exit.GetValueOrDefault();
            return _exit is not null;
        }
    }

    /// <summary>
    /// The child's peak resident set from wait4, where it is the child's own. A child started with vfork (as
    /// posix_spawn does) or fork inherits the parent's high-water mark when it executes, so a figure up to this
    /// process's own peak may be ours: that is not measurable, and null, never a wrong number.
    /// </summary>
    private static long? OwnPeak(long reported)
    {
        if (reported <= Volatile.Read(ref s_selfPeakBytes))
        {
            return null;
        }

        // Our peak only grows: read it now, after the child started, to be sure it bounds what the child inherited.
        long self = SelfPeakBytes();
        Volatile.Write(ref s_selfPeakBytes, self);
        return reported > self ? reported : null;
    }

    /// <summary>Forgets the peak last read, so that the next child's figure is compared with a fresh reading (tests only).</summary>
    internal static void ForgetOwnPeakForTests() => Volatile.Write(ref s_selfPeakBytes, 0);

    private static long SelfPeakBytes()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }

        return long.MaxValue;
    }

    private static IntPtr Native(List<IntPtr> owned, IntPtr pointer, int allocate = 0)
    {
        if (allocate > 0)
        {
            pointer = Marshal.AllocCoTaskMem(allocate);
        }

        owned.Add(pointer);
        return pointer;
    }
}

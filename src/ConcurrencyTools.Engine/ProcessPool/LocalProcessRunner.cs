using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.Processes;

namespace ConcurrencyTools.Engine.ProcessPool;

/// <summary>Runs attempts as child processes of this process.</summary>
internal sealed class LocalProcessRunner : IProcessRunner
{
    /// <summary>How long output may stay open after a kill (a descendant out of reach holding the pipe) before reading stops.</summary>
    private static readonly TimeSpan ReadGraceAfterKill = TimeSpan.FromSeconds(2);

    private readonly ProcessPoolOptions _options;
    private readonly bool _portable;
    private readonly ChildEnvironment? _environment;

    /// <param name="options">The pool's options.</param>
    /// <param name="slots">How many tasks run at once.</param>
    /// <param name="portable">Start children with System.Diagnostics.Process even where posix_spawn is used (tests).</param>
    public LocalProcessRunner(ProcessPoolOptions options, int slots, bool portable = false)
    {
        _options = options;
        Slots = slots;
        _portable = portable;

        // One environment block for the whole run: building it per task (reading, sorting and encoding this process's
        // whole environment) was a measurable share of pwsh's CPU per short task.
        _environment = PosixNative.IsSupported && !portable ? ChildEnvironment.Build(options.Environment) : null;
    }

    public string ComputerName { get; } = Measurement.MachineInfo.MachineName;

    public int Slots { get; }

    /// <summary>Children started with posix_spawn are read by their slot's own thread (see <see cref="SlotThread"/>).</summary>
    public bool WantsSlotThreads => _environment is not null;

    public async Task<ProcessTaskResult> RunAsync(ProcessTask task, int slot, int attempt, ProcessLineSink? onLine, CancellationToken cancellationToken)
    {
        var result = new ProcessTaskResult(task, ComputerName) { Slot = slot, Attempt = attempt, StartTime = DateTimeOffset.Now };
        long started = Stopwatch.GetTimestamp();
        ChildProcess child;
        try
        {
            child = ChildProcess.Start(
                new ChildStartInfo(task.FilePath, task.Arguments) { WorkingDirectory = _options.WorkingDirectory, Environment = _options.Environment, PreparedEnvironment = _environment },
                _portable);
        }
        catch (ChildStartException error)
        {
            result.Error = error.Message;
            result.StartFailure = error.Failure;
            result.EndTime = DateTimeOffset.Now;
            result.DurationMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            return result;
        }

        ChildExit exit;
        bool timedOut;
        using (child)
        {
            int pid = child.Id;
            result.ProcessId = pid;
            var stdout = new OutputCapture(_options.MaxOutputBytes, Lines(onLine, task, attempt, pid, "StdOut"), _options.MaxLineChars);
            var stderr = new OutputCapture(_options.MaxOutputBytes, Lines(onLine, task, attempt, pid, "StdErr"), _options.MaxLineChars);
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var abandon = new CancellationTokenSource();
            if (_options.Timeout is TimeSpan timeout)
            {
                limit.CancelAfter(timeout);
            }

            // On its slot's own thread, a child with no input to write and no lines to hand over is read by that
            // thread itself, asleep in poll until the child's output ends (see SlotThread); the rest read
            // asynchronously.
            ThreadWake? wake = onLine is null && string.IsNullOrEmpty(task.StandardInput) && child is PosixChildProcess ? SlotThread.Current?.Wake : null;

            // Whether the limit struck while the task still held its output open: the child itself may have exited
            // with 0, but a descendant kept writing (or could have) until the kill, so the task did not end in time.
            int killedWhileRunning = 0;
            int outputClosed = 0;
            long abandonAt = long.MaxValue;
            using (limit.Token.Register(() =>
            {
                if (Volatile.Read(ref outputClosed) == 0)
                {
                    Volatile.Write(ref killedWhileRunning, 1);
                }

                child.KillTree();
                abandon.CancelAfter(ReadGraceAfterKill);
                Volatile.Write(ref abandonAt, Stopwatch.GetTimestamp() + (long)(ReadGraceAfterKill.TotalSeconds * Stopwatch.Frequency));
                wake?.Signal();
            }))
            {
                if (wake is not null)
                {
                    CloseQuietly(child.StandardInput);
                    var posix = (PosixChildProcess)child;
                    posix.ReadOutputs(stdout, stderr, wake, () => Volatile.Read(ref abandonAt));
                    Volatile.Write(ref outputClosed, 1);
                    exit = posix.WaitForExit();
                }
                else
                {
                    Task<long> write = WriteInputAsync(child.StandardInput, task.StandardInput);
                    await Task.WhenAll(
                        stdout.ReadToEndAsync(child.StandardOutput, abandon.Token),
                        stderr.ReadToEndAsync(child.StandardError, abandon.Token),
                        write).ConfigureAwait(false);
                    Volatile.Write(ref outputClosed, 1);
                    result.StdInBytes = write.Result;
                    exit = await child.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }

            // A limit that ran out just after a clean exit (output closed, status not yet read) killed nothing: that
            // task succeeded. One that ran out while a grandchild held the output open timed out, whatever the exit code.
            timedOut = limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested &&
                (exit.ExitCode != 0 || Volatile.Read(ref killedWhileRunning) == 1);
            result.StdOut = stdout.Text;
            result.StdErr = stderr.Text;
            result.StdOutBytes = stdout.TotalBytes;
            result.StdErrBytes = stderr.TotalBytes;
            result.Truncated = stdout.Truncated || stderr.Truncated;
        }

        result.EndTime = DateTimeOffset.Now;
        result.DurationMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        result.CpuTimeMs = exit.CpuTime?.TotalMilliseconds;
        result.PeakWorkingSetBytes = exit.PeakWorkingSetBytes;
        result.ExitCode = exit.ExitCode;
        result.Signal = exit.Signal;
        result.TimedOut = timedOut;
        result.Succeeded = !timedOut && exit.ExitCode == 0;
        result.Error = timedOut
            ? string.Create(CultureInfo.InvariantCulture, $"Timed out after {_options.Timeout!.Value.TotalSeconds} s; the process tree was killed.")
            : exit.ExitCode is null ? "The exit status is unknown: the process was reaped elsewhere."
            : exit.Signal is int signal ? string.Create(CultureInfo.InvariantCulture, $"Ended by signal {signal}.")
            : exit.ExitCode != 0 ? string.Create(CultureInfo.InvariantCulture, $"Exited with code {exit.ExitCode}.")
            : null;
        return result;
    }

    private static Func<OutputLinePiece, ValueTask>? Lines(ProcessLineSink? onLine, ProcessTask task, int attempt, int pid, string stream) =>
        onLine is null ? null : piece => onLine.WriteAsync(new ProcessOutputLine(task.Seq, attempt, pid, stream, piece.Text, piece.Offset, piece.Continues));

    /// <summary>Writes the task's input and closes the pipe, so the child sees end-of-file; a child that stops reading ends the write.</summary>
    private static async Task<long> WriteInputAsync(Stream input, string? text)
    {
        long written = 0;
        try
        {
            if (!string.IsNullOrEmpty(text))
            {
                byte[] bytes = Encoding.UTF8.GetBytes(text);
                await input.WriteAsync(bytes).ConfigureAwait(false);
                written = bytes.Length;
            }
        }
        catch (Exception error) when (error is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The child closed its input, or was killed: what it did not read does not matter to it.
        }
        finally
        {
            CloseQuietly(input);
        }

        return written;
    }

    private static void CloseQuietly(Stream input)
    {
        try
        {
            input.Dispose();
        }
        catch (IOException)
        {
            // The child closed its input, or was killed: what it did not read does not matter to it.
        }
    }
}

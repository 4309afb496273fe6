using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using ConcurrencyTools.Engine.Measurement;
using ConcurrencyTools.Engine.Models;
using ConcurrencyTools.Engine.Workloads;

namespace ConcurrencyTools.Engine.Processes;

/// <summary>
/// The loop a worker process runs. Line protocol over standard input and output:
/// the worker writes <c>ready</c>; the parent writes <c>run N</c> and the worker answers
/// <c>done N CHECKSUM CPU_MS WALL_MS RUNWAIT_MS</c> or <c>fail N CPU_MS WALL_MS RUNWAIT_MS MESSAGE</c>, where
/// CPU_MS is the CPU clock of the thread that ran the task, read on that thread around it (<c>-</c> where that
/// clock cannot be read), WALL_MS the task's wall-clock time and RUNWAIT_MS how long that thread waited,
/// runnable, for a core meanwhile (0 where unknown), so a failed task's CPU counts too; the parent writes <c>exit</c> (or closes the pipe)
/// and the worker answers <c>stats CPU_MS THREADS PEAK_WORKING_SET GC_MODE</c> followed by the six
/// <see cref="RuntimeCounters"/> accumulated since it said ready, and ends. A worker whose parent goes away
/// in the middle of a task ends at once (see <see cref="ParentPipe"/>).
/// </summary>
public static class WorkerServer
{
    /// <summary>Runs the loop over this process's standard streams; returns the exit code.</summary>
    public static int RunStandardStreams(string[] args)
    {
        using ParentPipe input = ParentPipe.ForStandardInput();
        using var output = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
        return Run(args, input, output);
    }

    /// <summary>Runs the loop over the given streams; returns the exit code.</summary>
    public static int Run(IReadOnlyList<string> args, TextReader input, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var pipe = new ParentPipe(input, () => { });
        return Run(args, pipe, output);
    }

    /// <summary>Runs the loop over requests read by <paramref name="input"/>; returns the exit code.</summary>
    public static int Run(IReadOnlyList<string> args, ParentPipe input, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        Workload workload;
        try
        {
            workload = Workload.Create(WorkloadSpec.Parse(args));
        }
        catch (Exception error) when (error is FormatException or ArgumentException)
        {
            output.WriteLine("error " + OneLine(error.Message));
            return 2;
        }

        var context = new BlockingTaskContext(CancellationToken.None);
        var threads = new HashSet<int>();
        RuntimeCounters countersBefore = RuntimeCounters.Capture();
        output.WriteLine("ready");
        string? line;
        while ((line = input.ReadLine()) is not null)
        {
            if (line == "exit")
            {
                break;
            }

            int index = TaskIndex(line, workload.Spec.Tasks);
            if (index < 0)
            {
                output.WriteLine("error unknown request: " + OneLine(line));
                continue;
            }

            threads.Add(Environment.CurrentManagedThreadId);
            // The clock before the thread's figures, and after them at the end (as Models/ThreadSpan does): a
            // wait for a core in one of these readings then lies in the task's wall time too.
            long started = Stopwatch.GetTimestamp();
            ThreadTimes before = ThreadCpuClock.Now();
            string outcome;
            string? failure = null;
            try
            {
                ValueTask<long> task = workload.RunTaskAsync(index, context);
                long checksum = task.IsCompleted ? task.Result : task.AsTask().GetAwaiter().GetResult();
                outcome = string.Create(CultureInfo.InvariantCulture, $"done {index} {checksum}");
            }
            catch (Exception error)
            {
                outcome = string.Create(CultureInfo.InvariantCulture, $"fail {index}");
                failure = $"{error.GetType().Name}: {OneLine(error.Message)}";
            }

            // The task's own CPU, read on the thread that ran it (a blocking context keeps the task on it).
            ThreadTimes spent = ThreadCpuClock.Now() - before;
            string cpu = ThreadCpuClock.IsThreadTime ? spent.CpuMs.ToString("R", CultureInfo.InvariantCulture) : "-";
            string runWait = spent.RunWaitMs.ToString("R", CultureInfo.InvariantCulture);
            string wall = Stopwatch.GetElapsedTime(started).TotalMilliseconds.ToString("R", CultureInfo.InvariantCulture);
            output.WriteLine(failure is null ? $"{outcome} {cpu} {wall} {runWait}" : $"{outcome} {cpu} {wall} {runWait} {failure}");
        }

        RuntimeCounters counters = RuntimeCounters.Capture().Since(countersBefore);
        using var self = Process.GetCurrentProcess();
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"stats {self.TotalProcessorTime.TotalMilliseconds:R} {threads.Count} {self.PeakWorkingSet64} {RuntimeCounters.GcMode} {counters.ToWire()}"));
        return 0;
    }

    /// <summary>
    /// The task index of a <c>run N</c> request, or -1 when the line is no such request or N is not below
    /// <paramref name="tasks"/>. A method, with the index parsed in a statement of its own, rather than an
    /// <c>out</c> variable inside the loop's condition: a mutant of that condition (<c>||</c> to <c>&amp;&amp;</c>) would
    /// leave the index unassigned, and the mutation tests would then have to skip all of the loop.
    /// </summary>
    private static int TaskIndex(string line, int tasks)
    {
        if (!line.StartsWith("run ", StringComparison.Ordinal))
        {
            return -1;
        }

        bool parsed = int.TryParse(line.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out int index);
        return parsed && index < tasks ? index : -1;
    }

    private static string OneLine(string text) => text.Replace('\r', ' ').Replace('\n', ' ');
}

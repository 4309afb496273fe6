using System;
using System.Collections;
using System.IO;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using ConcurrencyTools.Engine.ProcessPool;
using ConcurrencyTools.Engine.Remoting;

namespace ConcurrencyTools.Commands;

/// <summary>
/// <para type="synopsis">Runs an executable once per input item through a bounded pool of processes and emits one typed row per task.</para>
/// </summary>
/// <remarks>
/// The pool runs on its own threads; this cmdlet only builds tasks, hands them over and writes what the pool
/// hands back, always on the pipeline thread. Whatever ends the pipeline (Ctrl+C, Select-Object -First,
/// -ErrorAction Stop, an exception) disposes the pool first, which kills running process trees and returns
/// once they are gone.
/// </remarks>
[Cmdlet(VerbsLifecycle.Invoke, "ProcessPool", DefaultParameterSetName = TemplateSet, SupportsShouldProcess = true)]
[OutputType(typeof(ProcessTaskResult))]
public sealed class InvokeProcessPoolCommand : ConcurrencyCmdlet
{
    private const string TemplateSet = "Template";
    private const string ScriptBlockSet = "ScriptBlock";
    private const string Activity = "Invoke-ProcessPool";

    private BoundedProcessPool? _pool;
    private ProcessTaskBuilder? _tasks;
    private ProcessPoolPump? _pump;

    /// <summary>The input items, one task each; from the pipeline, or a collection given here (enumerated).</summary>
    [Parameter(ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    /// <summary>The executable: a path (relative to the current location) or a name found on PATH.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string FilePath { get; set; } = string.Empty;

    /// <summary>
    /// The argument vector, with GNU parallel's replacement strings: {} or {0} the item, {.} without its extension, {/} its
    /// file name, {//} its directory, {/.} its file name without extension, {#} the task number, {%} the slot; {Name} a
    /// property of the item; {{ and }} literal braces. Without any placeholder the item is appended as the last argument.
    /// </summary>
    [Parameter(Position = 1, ParameterSetName = TemplateSet)]
    [AllowEmptyString]
    [AllowEmptyCollection]
    public string[] ArgumentList { get; set; } = Array.Empty<string>();

    /// <summary>A script block that returns the argument list for an item, which it receives as $_ and as its first argument.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ScriptBlockSet)]
    [ValidateNotNull]
    public ScriptBlock? ScriptBlock { get; set; }

    /// <summary>Tasks run at once; the number of logical processors by default.</summary>
    [Parameter]
    [ValidateRange(1, ProcessPoolOptions.MaxThrottleLimit)]
    public int ThrottleLimit { get; set; } = System.Environment.ProcessorCount;

    /// <summary>Seconds each attempt may run; then its whole process tree is killed and the row says TimedOut.</summary>
    [Parameter]
    [ValidateRange(0.001, 604800.0)]
    public double TimeoutSeconds { get; set; }

    /// <summary>Further attempts of a task that failed or timed out (not of one that could not start): -RetryCount 2 means up to three tries, where GNU parallel's --retries 2 means two.</summary>
    [Parameter]
    [ValidateRange(0, ProcessPoolOptions.MaxRetryCount)]
    public int RetryCount { get; set; }

    /// <summary>Emits rows in input order, holding back rows that finished early; by default rows come as tasks finish.</summary>
    [Parameter]
    public SwitchParameter KeepOrder { get; set; }

    /// <summary>Stops starting tasks after this many failed tasks (3), or once this share of the finished tasks failed (10%); the rest become Skipped rows.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? HaltAfter { get; set; }

    /// <summary>The working directory of every task; the current location by default.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? WorkingDirectory { get; set; }

    /// <summary>Variables added to each task's environment; a $null value removes one.</summary>
    [Parameter]
    [ValidateNotNull]
    public Hashtable? Environment { get; set; }

    /// <summary>Text written to each task's standard input, with the same placeholders as ArgumentList; by default a task's input is empty.</summary>
    [Parameter]
    [AllowEmptyString]
    public string? StandardInput { get; set; }

    /// <summary>Bytes of standard output, and of standard error, kept per task (1 MiB by default); the rest is counted and the row marked Truncated.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int MaxOutputBytes { get; set; } = ProcessPoolOptions.DefaultMaxOutputBytes;

    /// <summary>Also shows each output line as it arrives, on the information stream (tags PSHOST and StdOut or StdErr); the rows stay as they are.</summary>
    [Parameter]
    public SwitchParameter Stream { get; set; }

    /// <summary>Writes no progress bar.</summary>
    [Parameter]
    public SwitchParameter NoProgress { get; set; }

    /// <summary>
    /// Remote sessions (from New-PSSession -HostName or -ComputerName) to run the tasks on instead of this machine:
    /// ThrottleLimit tasks at once on each host, dealt to hosts as their slots free up. Each host needs PowerShell 7.4
    /// or later and this version of ConcurrencyTools; FilePath and WorkingDirectory are the host's.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public PSSession[]? Session { get; set; }

    /// <inheritdoc/>
    protected override void BeginProcessing()
    {
        HaltPolicy? halt = null;
        if (HaltAfter is not null)
        {
            try
            {
                halt = HaltPolicy.Parse(HaltAfter);
            }
            catch (ArgumentException error)
            {
                ThrowTerminatingError(new ErrorRecord(error, "InvalidHaltAfter", ErrorCategory.InvalidArgument, HaltAfter));
            }
        }

        bool remote = Session is not null;
        string directory = remote ? WorkingDirectory ?? "(each host's home)"
            : WorkingDirectory is null ? SessionState.Path.CurrentFileSystemLocation.ProviderPath
            : GetUnresolvedProviderPathFromPSPath(WorkingDirectory);
        if (!remote && !Directory.Exists(directory))
        {
            ThrowTerminatingError(new ErrorRecord(
                new DirectoryNotFoundException($"The working directory '{WorkingDirectory}' does not exist."), "WorkingDirectoryNotFound", ErrorCategory.ObjectNotFound, WorkingDirectory));
        }

        // A path is relative to PowerShell's location, which is not the process's; a bare name is looked up on PATH.
        string filePath = remote ? FilePath : FilePath.Contains('/') || FilePath.Contains('\\') || FilePath.StartsWith('~') ? GetUnresolvedProviderPathFromPSPath(FilePath) : FilePath;
        _tasks = new ProcessTaskBuilder(filePath, ArgumentList, ScriptBlock, StandardInput);

        var options = new ProcessPoolOptions
        {
            ThrottleLimit = ThrottleLimit,
            Timeout = MyInvocation.BoundParameters.ContainsKey(nameof(TimeoutSeconds)) ? TimeSpan.FromSeconds(TimeoutSeconds) : null,
            RetryCount = RetryCount,
            KeepOrder = KeepOrder.IsPresent,
            HaltAfter = halt,
            WorkingDirectory = remote ? null : directory,
            Environment = ProcessTaskBuilder.EnvironmentOf(Environment),
            MaxOutputBytes = MaxOutputBytes,
            StreamLines = Stream.IsPresent,
        };
        WriteVerbose($"Running '{filePath}' in '{directory}', {ThrottleLimit} at a time" +
            (options.Timeout is null ? string.Empty : $", {TimeoutSeconds} s per attempt") +
            (RetryCount > 0 ? $", {RetryCount} retries" : string.Empty) + (halt is null ? string.Empty : $", halting after {halt} failed") +
            (_tasks.AppendsItem ? "; no placeholder, so each item is appended as the last argument." : "."));
        // A dry run (-WhatIf) contacts no host: a local pool that is never fed starts nothing.
        _pool = remote && !IsDryRun() ? CreateRemotePool(options) : new BoundedProcessPool(options);
        _pump = new ProcessPoolPump(this, _pool, _tasks, new ProgressThrottle(this, Activity, NoProgress.IsPresent), VerboseWanted);
    }

    /// <inheritdoc/>
    protected override void ProcessRecord()
    {
        if (InputObject is null && !MyInvocation.ExpectingInput)
        {
            return;
        }

        Guard(() =>
        {
            object? value = InputObject?.BaseObject;
            IEnumerable items = !MyInvocation.ExpectingInput && value is IEnumerable many and not string ? many : new[] { InputObject };
            foreach (object? item in items)
            {
                ProcessTask task = _tasks!.Next(item is null ? null : PSObject.AsPSObject(item));
                // -WhatIf is GNU parallel's --dry-run: each command line is shown, nothing starts, no row is written.
                if (!ShouldProcess(task.PreparationError ?? task.PlannedCommandLine, "Start process"))
                {
                    continue;
                }

                _pump!.Add(task, StopToken);
            }
        });
    }

    /// <inheritdoc/>
    protected override void EndProcessing()
    {
        Guard(() =>
        {
            _pump!.Finish(StopToken);
            ProcessPoolProgress done = _pool!.GetProgress();
            WriteVerbose($"Done: {done.Describe()} in {done.Elapsed.TotalSeconds:F1} s; " + (Session is null
                ? $"at most {_pool.PeakRunning} ran at once."
                : $"at most {_pool.PeakRunning} were on the hosts at once ({ThrottleLimit} running on each, and as many waiting there for a slot)."));
        });
        _pump?.CompleteProgress();
    }

    /// <inheritdoc/>
    protected override void StopProcessing()
    {
        base.StopProcessing();
        _pool?.Cancel();
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _pool?.Dispose();
        }

        base.Dispose(disposing);
    }

    private bool IsDryRun() => MyInvocation.BoundParameters.TryGetValue("WhatIf", out object? whatIf)
        ? ((SwitchParameter)whatIf).IsPresent
        : LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));

    /// <summary>Runs <paramref name="body"/>; whatever ends it early stops the pool, and returns once its processes are gone.</summary>
    private void Guard(Action body)
    {
        try
        {
            RunUntilStopped(body);
        }
        catch
        {
            _pool?.Dispose();
            throw;
        }
    }

    private BoundedProcessPool CreateRemotePool(ProcessPoolOptions options)
    {
        // Only what the user set travels: a host's defaults (its home, its environment) are its own.
        RemotePoolOptions hostOptions = RemotePoolOptions.From(options, WorkingDirectory);
        string version = MyInvocation.MyCommand.Module?.Version.ToString() ?? typeof(InvokeProcessPoolCommand).Assembly.GetName().Version!.ToString(3);
        WriteVerbose($"Dealing tasks to {Session!.Length} hosts, {ThrottleLimit} at a time on each: {string.Join(", ", Array.ConvertAll(Session, SessionFanOut.Describe))}.");
        return SessionProcessPool.Create(options, Session, hostOptions, version, MyInvocation.MyCommand.Module?.ModuleBase);
    }
}

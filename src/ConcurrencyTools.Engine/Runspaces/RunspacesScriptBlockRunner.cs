using System.Threading;
using ConcurrencyTools.Engine.Models;

namespace ConcurrencyTools.Engine.Runspaces;

/// <summary>
/// Sequential (one runspace of its own) and Runspaces (a pool of Workers runspaces): the engine's own
/// <see cref="RunspaceSet"/>, opened with the state for each run. Start-up is the opening, modules included.
/// </summary>
internal sealed class RunspacesScriptBlockRunner : ScriptBlockRunner
{
    public RunspacesScriptBlockRunner(ConcurrencyModel model) => Model = model;

    public override ConcurrencyModel Model { get; }

    protected override void RunCore(ScriptTaskList list, string script, int workers, ScriptBlockRun run, long started, CancellationToken cancellationToken)
    {
        using RunspaceSet set = RunspaceSet.Open(list.State, Model == ConcurrencyModel.Sequential ? 1 : workers, cancellationToken);
        run.Startup = set.OpenElapsed;
        foreach (ScriptTaskResult result in set.InvokeEach(script, list.Items, cancellationToken))
        {
            run.Records.Add(ScriptTaskRecord.From(result));
        }
    }
}

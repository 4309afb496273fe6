using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using ConcurrencyTools.Engine.Queues;

namespace ConcurrencyTools.Commands;

/// <summary>Completes Measure-ProducerConsumer -Model with the models the catalog says run a pipeline, and no others.</summary>
internal sealed class PipelineModelCompleter : IArgumentCompleter
{
    /// <inheritdoc/>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        NameCompletion.Matching(ProducerConsumerPlan.SupportedModels.Select(model => model.ToString()), wordToComplete);
}

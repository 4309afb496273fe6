using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;
using ConcurrencyTools.Engine.Queues;

namespace ConcurrencyTools.Commands;

/// <summary>
/// Tab completion of Measure-ProducerConsumer -Capacity: <c>Unbounded</c>, the one word it takes besides numbers.
/// Without it PowerShell completes file names, since QueueCapacity is not an enum.
/// </summary>
internal sealed class QueueCapacityCompleter : IArgumentCompleter
{
    /// <inheritdoc/>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        NameCompletion.Matching(new[] { QueueCapacity.UnboundedName }, wordToComplete);
}

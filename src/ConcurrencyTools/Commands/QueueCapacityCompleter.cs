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
public sealed class QueueCapacityCompleter : IArgumentCompleter
{
    /// <inheritdoc/>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string word = (wordToComplete ?? string.Empty).Trim('\'', '"');
        if (QueueCapacity.UnboundedName.StartsWith(word, System.StringComparison.OrdinalIgnoreCase))
        {
            yield return new CompletionResult(QueueCapacity.UnboundedName, QueueCapacity.UnboundedName, CompletionResultType.ParameterValue, "A queue without a limit: producers never wait.");
        }
    }
}

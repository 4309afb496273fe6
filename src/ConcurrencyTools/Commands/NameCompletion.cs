using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace ConcurrencyTools.Commands;

/// <summary>What the module's argument completers share: the names that start with what was typed, quotes ignored.</summary>
internal static class NameCompletion
{
    public static CompletionResult[] Matching(IEnumerable<string> names, string? wordToComplete)
    {
        string prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
        return names
            .Where(name => name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Select(name => new CompletionResult(name, name, CompletionResultType.ParameterValue, name))
            .ToArray();
    }
}

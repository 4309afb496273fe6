using System;
using System.Collections.Generic;

namespace ConcurrencyTools.Engine.Processes;

/// <summary>
/// What to start as a child process. Arguments are an argument vector handed to the child as they are,
/// never through a shell. Standard input, output and error are always pipes.
/// </summary>
internal sealed class ChildStartInfo
{
    public ChildStartInfo(string fileName, IReadOnlyList<string> arguments)
    {
        FileName = fileName ?? throw new ArgumentNullException(nameof(fileName));
        Arguments = arguments ?? throw new ArgumentNullException(nameof(arguments));
    }

    /// <summary>A path, or a bare name looked up on PATH.</summary>
    public string FileName { get; }

    public IReadOnlyList<string> Arguments { get; }

    /// <summary>The child's working directory; null for this process's.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Variables added to (or, with a null value, removed from) this process's environment.</summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }

    /// <summary>
    /// The environment block built from <see cref="Environment"/> once for many starts (posix_spawn only), or null to
    /// build it at this start. Whoever sets it builds it from the same <see cref="Environment"/>.
    /// </summary>
    public ChildEnvironment? PreparedEnvironment { get; init; }
}

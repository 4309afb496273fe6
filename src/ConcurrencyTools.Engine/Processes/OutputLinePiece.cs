namespace ConcurrencyTools.Engine.Processes;

/// <summary>A line of a child's output, or a piece of one that was cut because it was too long.</summary>
/// <param name="Text">The text, without its line break.</param>
/// <param name="Offset">Characters of the same line before this piece: 0 for a whole line or a first piece.</param>
/// <param name="Continues">Whether the line was cut after this piece and goes on in the next one.</param>
internal readonly record struct OutputLinePiece(string Text, long Offset, bool Continues);

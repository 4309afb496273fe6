namespace ConcurrencyTools.Engine.Measurement;

/// <summary>One run of an <see cref="InterleavedSchedule"/>: which configuration, what for, in which round.</summary>
internal readonly record struct ScheduledRun<T>(T Configuration, MeasurementPhase Phase, int Round);

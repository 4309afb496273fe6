using Xunit;

// Tests count threads, overlapping tasks and child processes of this process: run them one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

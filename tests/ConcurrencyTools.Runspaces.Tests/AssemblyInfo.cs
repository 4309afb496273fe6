using Xunit;

// Each test opens runspaces on a shared 2-core machine; one test class at a time keeps them from starving each other.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

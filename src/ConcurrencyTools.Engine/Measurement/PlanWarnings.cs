using System.Collections.Generic;
using System.Linq;
using ConcurrencyTools.Engine.Models;

namespace ConcurrencyTools.Engine.Measurement;

/// <summary>What a plan that will run is worth a warning for, before it runs: idle workers and thread-pool starvation.</summary>
public static class PlanWarnings
{
    /// <summary>The warnings, in the order the cmdlet writes them.</summary>
    public static IEnumerable<string> For(MeasurementPlan plan)
    {
        int idle = plan.Workers.Where(w => w > plan.Workload.Tasks).DefaultIfEmpty().Max();
        if (idle > 0 && plan.Models.Any(m => m != ConcurrencyModel.Sequential))
        {
            yield return $"Workers {idle} is more than Tasks {plan.Workload.Tasks}: the extra workers have nothing to do. Raise -Tasks to give every worker work.";
        }

        if (ThreadPoolStarvationWarning.For(plan) is { } starvation)
        {
            yield return starvation;
        }
    }
}

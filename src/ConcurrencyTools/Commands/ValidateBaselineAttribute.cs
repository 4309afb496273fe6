using System;
using System.Linq;
using System.Management.Automation;
using ConcurrencyTools.Engine.Statistics;

namespace ConcurrencyTools.Commands;

/// <summary>
/// Accepts only the names of <see cref="SpeedupBaseline.Names"/>, ignoring case, with the same
/// ParameterArgumentValidationError a ValidateSet gives; the list comes from the model catalog, not a copy here.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class ValidateBaselineAttribute : ValidateArgumentsAttribute
{
    /// <inheritdoc/>
    protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
    {
        string? name = (arguments is PSObject wrapped ? wrapped.BaseObject : arguments)?.ToString();
        if (name is null || !SpeedupBaseline.Names.Contains(name, StringComparer.OrdinalIgnoreCase))
        {
            throw new ValidationMetadataException(
                $"The argument \"{name}\" does not belong to the set \"{string.Join(",", SpeedupBaseline.Names)}\": -Baseline takes a model name or {SpeedupBaseline.SingleWorkerName}.");
        }
    }
}

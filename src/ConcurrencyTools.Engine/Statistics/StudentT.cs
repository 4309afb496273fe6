using System;

namespace ConcurrencyTools.Engine.Statistics;

/// <summary>Student's t distribution: its CDF from the regularized incomplete beta function, and quantiles by bisection.</summary>
public static class StudentT
{
    /// <summary>P(T &lt;= t) for <paramref name="degreesOfFreedom"/> degrees of freedom.</summary>
    public static double Cdf(double t, double degreesOfFreedom)
    {
        if (!(degreesOfFreedom > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(degreesOfFreedom), degreesOfFreedom, "Degrees of freedom must be positive.");
        }

        double x = degreesOfFreedom / (degreesOfFreedom + (t * t));
        double tail = 0.5 * IncompleteBeta.Regularized(degreesOfFreedom / 2, 0.5, x);
        return t >= 0 ? 1 - tail : tail;
    }

    /// <summary>The t with P(T &lt;= t) = <paramref name="p"/>, e.g. 0.975 for a two-sided 95% interval.</summary>
    public static double Quantile(double p, double degreesOfFreedom)
    {
        if (!(p > 0 && p < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "The probability must be between 0 and 1.");
        }

        if (p < 0.5)
        {
            return -Quantile(1 - p, degreesOfFreedom);
        }

        // The CDF is monotonic: bisect on [0, hi], growing hi until it brackets p.
        double lo = 0;
        double hi = 1;
        while (Cdf(hi, degreesOfFreedom) < p)
        {
            lo = hi;
            hi *= 2;
        }

        for (int i = 0; i < 200 && hi - lo > 1e-15 * hi; i++)
        {
            double mid = (lo + hi) / 2;
            if (Cdf(mid, degreesOfFreedom) < p)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        return (lo + hi) / 2;
    }
}

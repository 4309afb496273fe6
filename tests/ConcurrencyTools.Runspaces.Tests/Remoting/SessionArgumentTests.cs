using System;
using System.Linq;
using System.Management.Automation.Runspaces;
using ConcurrencyTools.Engine.ProcessPool;
using ConcurrencyTools.Engine.Remoting;
using Xunit;

namespace ConcurrencyTools.Runspaces.Tests;

/// <summary>The session code's refusals of missing arguments, which need no session.</summary>
public sealed class SessionArgumentTests
{
    [Fact]
    public void TheFanOutNamesAMissingListOrBuilderWhenItIsEnumerated()
    {
        Assert.Equal("sessions", Assert.Throws<ArgumentNullException>(() => SessionFanOut.Run(null!, (_, _) => { }, default).ToList()).ParamName);
        Assert.Equal("build", Assert.Throws<ArgumentNullException>(() => SessionFanOut.Run(Array.Empty<PSSession>(), null!, default).ToList()).ParamName);
        Assert.Equal("session", Assert.Throws<ArgumentNullException>(() => SessionFanOut.Describe(null!)).ParamName);

        // No session: nothing to run, and the enumeration ends at once.
        Assert.Empty(SessionFanOut.Run(Array.Empty<PSSession>(), (_, _) => { }, default));
    }

    [Fact]
    public void TheSessionPoolNamesAMissingArgument()
    {
        var options = new ProcessPoolOptions();
        var hostOptions = new RemotePoolOptions();
        Assert.Equal("options", Assert.Throws<ArgumentNullException>(() => SessionProcessPool.Create(null!, Array.Empty<PSSession>(), hostOptions, "1.0.0", null)).ParamName);
        Assert.Equal("sessions", Assert.Throws<ArgumentNullException>(() => SessionProcessPool.Create(options, null!, hostOptions, "1.0.0", null)).ParamName);
        Assert.Equal("hostOptions", Assert.Throws<ArgumentNullException>(() => SessionProcessPool.Create(options, Array.Empty<PSSession>(), null!, "1.0.0", null)).ParamName);
    }
}

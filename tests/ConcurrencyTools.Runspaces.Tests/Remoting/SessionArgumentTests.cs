using System;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Internal;
using System.Management.Automation.Remoting.Client;
using System.Management.Automation.Runspaces;
using System.Threading;
using ConcurrencyTools.Engine.ProcessPool;
using ConcurrencyTools.Engine.Remoting;
using Xunit;

namespace ConcurrencyTools.Runspaces.Tests;

/// <summary>The session code's refusals of missing arguments, and what it says of sessions that are not open, which need no host.</summary>
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

        // With a session, the options are read for its runner: still refused by name, not by a null dereference.
        using Runspace runspace = RunspaceFactory.CreateRunspace(new UnnamedConnectionInfo());
        PSSession session = PSSession.Create(runspace, "test", null);
        Assert.Equal("options", Assert.Throws<ArgumentNullException>(() => SessionProcessPool.Create(null!, [session], hostOptions, "1.0.0", null)).ParamName);
    }

    [Fact]
    public void ASessionWithoutAComputerNameIsCalledByItsNameAndOneThatIsNotOpenSaysWhy()
    {
        using Runspace runspace = RunspaceFactory.CreateRunspace(new UnnamedConnectionInfo());
        PSSession session = PSSession.Create(runspace, "test", null);
        Assert.Equal(string.Empty, session.ComputerName);
        Assert.Equal(session.Name, SessionFanOut.Describe(session));

        // Never opened: its state has no reason, and the sentence ends there.
        SessionRecord unopened = Assert.Single(SessionFanOut.Run([session], (ps, _) => ps.AddScript("1"), CancellationToken.None));
        Assert.Equal(SessionRecordKind.Failed, unopened.Kind);
        Assert.Equal($"The session to {session.Name} is BeforeOpen, not open.", ((Exception)unopened.Data!).Message);

        // Broken while opening (no host behind the pipe): the reason follows.
        Assert.ThrowsAny<Exception>(runspace.Open);
        Exception reason = runspace.RunspaceStateInfo.Reason!;
        SessionRecord broken = Assert.Single(SessionFanOut.Run([session], (ps, _) => ps.AddScript("1"), CancellationToken.None));
        Assert.Equal(SessionRecordKind.Failed, broken.Kind);
        Assert.Equal($"The session to {session.Name} is Broken, not open: {reason.Message}", ((Exception)broken.Data!).Message);
    }

    /// <summary>
    /// A connection with no computer name, over a named pipe to no process (PowerShell's own transports all name a
    /// computer; a custom one need not).
    /// </summary>
    private sealed class UnnamedConnectionInfo : RunspaceConnectionInfo
    {
        public UnnamedConnectionInfo() => OpenTimeout = 5000;

        public override string ComputerName { get; set; } = string.Empty;

        public override PSCredential? Credential { get; set; }

        public override AuthenticationMechanism AuthenticationMechanism { get; set; }

        public override string? CertificateThumbprint { get; set; }

        public override RunspaceConnectionInfo Clone() => new UnnamedConnectionInfo();

        public override BaseClientSessionTransportManager CreateClientSessionTransportManager(Guid instanceId, string sessionName, PSRemotingCryptoHelper cryptoHelper) =>
            new NamedPipeConnectionInfo(int.MaxValue) { OpenTimeout = 5000 }.CreateClientSessionTransportManager(instanceId, sessionName, cryptoHelper);
    }
}

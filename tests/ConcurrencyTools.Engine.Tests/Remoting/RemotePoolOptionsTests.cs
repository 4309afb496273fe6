using System;
using System.Collections;
using System.Collections.Generic;
using ConcurrencyTools.Engine.ProcessPool;
using ConcurrencyTools.Engine.Remoting;
using Xunit;

namespace ConcurrencyTools.Engine.Tests;

/// <summary>The options a host of Invoke-ProcessPool -Session applies, and their one wire form.</summary>
public class RemotePoolOptionsTests
{
    private static RemotePoolOptions RoundTrip(RemotePoolOptions options) => RemotePoolOptions.FromWire(options.ToWire());

    [Fact]
    public void Every_option_and_every_environment_variable_survives_the_round_trip()
    {
        var sent = new RemotePoolOptions
        {
            TimeoutSeconds = 2.5,
            WorkingDirectory = "~/jobs",
            Environment = new Dictionary<string, string?>
            {
                ["CT_A"] = "1",
                ["CT_REMOVED"] = null,
                ["CT_EMPTY"] = string.Empty,
                ["CT_ODD"] = "a=b; c",
                ["Environment:CT_PREFIXED"] = "kept whole",
                ["MaxOutputBytes"] = "a variable, not the option",
            },
            MaxOutputBytes = 123,
            Stream = true,
        };

        RemotePoolOptions received = RoundTrip(sent);

        Assert.Equal(2.5, received.TimeoutSeconds);
        Assert.Equal("~/jobs", received.WorkingDirectory);
        Assert.Equal(123, received.MaxOutputBytes);
        Assert.True(received.Stream);
        Assert.NotNull(received.Environment);
        Assert.Equal(sent.Environment.Count, received.Environment!.Count);
        foreach (KeyValuePair<string, string?> variable in sent.Environment)
        {
            Assert.True(received.Environment.TryGetValue(variable.Key, out string? value), variable.Key);
            Assert.Equal(variable.Value, value);
        }

        // A variable to remove stays a null, not an empty text: the two mean different things to the child.
        Assert.Null(received.Environment["CT_REMOVED"]);
        Assert.Equal(string.Empty, received.Environment["CT_EMPTY"]);
    }

    [Fact]
    public void What_the_user_did_not_set_does_not_travel_and_arrives_unset()
    {
        Hashtable wire = new RemotePoolOptions().ToWire();

        Assert.Equal(new[] { "MaxOutputBytes", "Stream" }, Sorted(wire.Keys));
        RemotePoolOptions received = RemotePoolOptions.FromWire(wire);
        Assert.Null(received.TimeoutSeconds);
        Assert.Null(received.WorkingDirectory);
        Assert.Null(received.Environment);
        Assert.Equal(ProcessPoolOptions.DefaultMaxOutputBytes, received.MaxOutputBytes);
        Assert.False(received.Stream);
    }

    [Fact]
    public void The_wire_form_is_one_flat_hashtable_of_primitives()
    {
        var options = new RemotePoolOptions
        {
            TimeoutSeconds = 1,
            WorkingDirectory = "/tmp",
            Environment = new Dictionary<string, string?> { ["X"] = "1", ["Y"] = null },
        };

        foreach (DictionaryEntry entry in options.ToWire())
        {
            Assert.IsType<string>(entry.Key);
            Assert.True(entry.Value is null or string or int or double or bool, $"{entry.Key} is {entry.Value?.GetType().Name}");
        }
    }

    [Theory]
    [InlineData("Timeout")]
    [InlineData("Environment")]
    [InlineData("Environment:")]
    [InlineData("environment:X")]
    [InlineData("stream")]
    public void An_unknown_field_is_an_error_that_names_it(string key)
    {
        Hashtable wire = new RemotePoolOptions().ToWire();
        wire[key] = "x";

        ArgumentException error = Assert.Throws<ArgumentException>(() => RemotePoolOptions.FromWire(wire));
        Assert.Contains($"'{key}'", error.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, object?> MalformedFields => new()
    {
        { "TimeoutSeconds", "10" },
        { "TimeoutSeconds", null },
        { "WorkingDirectory", 5 },
        { "WorkingDirectory", null },
        { "MaxOutputBytes", 1.5 },
        { "MaxOutputBytes", "1024" },
        { "Stream", "True" },
        { "Stream", null },
        { "Environment:CT_A", 7 },
    };

    [Theory]
    [MemberData(nameof(MalformedFields))]
    public void A_field_of_the_wrong_type_is_an_error_not_a_default(string key, object? value)
    {
        Hashtable wire = new RemotePoolOptions().ToWire();
        wire[key] = value;

        ArgumentException error = Assert.Throws<ArgumentException>(() => RemotePoolOptions.FromWire(wire));
        Assert.Contains($"'{key}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(value is null ? "null" : $"'{value}'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("TimeoutSeconds", "10", "'10' (String), not a number of seconds.")]
    [InlineData("WorkingDirectory", null, "null, not a path.")]
    [InlineData("MaxOutputBytes", 1.5, "'1.5' (Double), not a whole number of bytes.")]
    [InlineData("Stream", "True", "'True' (String), not a boolean.")]
    [InlineData("Environment:CT_A", 7, "'7' (Int32), not text or null.")]
    public void A_wrong_field_is_named_with_its_value_type_and_what_it_should_be(string key, object? value, string said)
    {
        Hashtable wire = new RemotePoolOptions().ToWire();
        wire[key] = value;

        ArgumentException error = Assert.Throws<ArgumentException>(() => RemotePoolOptions.FromWire(wire));
        Assert.Equal("wire", error.ParamName);
        Assert.StartsWith($"The remote pool option '{key}' is {said}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_or_untyped_key_says_the_versions_may_differ_or_what_a_key_must_be()
    {
        Hashtable wire = new RemotePoolOptions().ToWire();
        wire["Timeout"] = "x";
        ArgumentException unknown = Assert.Throws<ArgumentException>(() => RemotePoolOptions.FromWire(wire));
        Assert.Equal("wire", unknown.ParamName);
        Assert.StartsWith("'Timeout' is not an option of a remote process pool; the caller's ConcurrencyTools may differ from this host's.", unknown.Message, StringComparison.Ordinal);

        wire = new RemotePoolOptions().ToWire();
        wire[42] = "x";
        ArgumentException untyped = Assert.Throws<ArgumentException>(() => RemotePoolOptions.FromWire(wire));
        Assert.StartsWith("The remote pool option '42' is 'x' (String), not a text key.", untyped.Message, StringComparison.Ordinal);

        Assert.Throws<ArgumentNullException>(() => RemotePoolOptions.FromWire(null!));
        Assert.Throws<ArgumentNullException>(() => RemotePoolOptions.From(null!, null));
    }

    [Fact]
    public void A_key_that_is_not_text_is_an_error()
    {
        Hashtable wire = new RemotePoolOptions().ToWire();
        wire[42] = "x";

        Assert.Throws<ArgumentException>(() => RemotePoolOptions.FromWire(wire));
    }

    [Fact]
    public void The_host_applies_what_the_caller_set_and_keeps_its_own_slots()
    {
        var environment = new Dictionary<string, string?> { ["CT_A"] = "1" };
        var caller = new ProcessPoolOptions
        {
            ThrottleLimit = 3,
            Timeout = TimeSpan.FromSeconds(4),
            RetryCount = 2,
            Environment = environment,
            MaxOutputBytes = 99,
            StreamLines = true,
        };

        RemotePoolOptions sent = RemotePoolOptions.From(caller, "work");
        ProcessPoolOptions host = RoundTrip(sent).WithWorkingDirectory("/home/u/work").ToPoolOptions(5);

        Assert.Equal(5, host.ThrottleLimit);
        Assert.Equal(TimeSpan.FromSeconds(4), host.Timeout);
        Assert.Equal("/home/u/work", host.WorkingDirectory);
        Assert.Equal(environment, host.Environment);
        Assert.Equal(99, host.MaxOutputBytes);
        Assert.True(host.StreamLines);
        // Retries, halting and ordering stay with the caller.
        Assert.Equal(0, host.RetryCount);
        Assert.Equal("work", sent.WorkingDirectory);
    }

    [Fact]
    public void Options_out_of_range_are_refused_on_the_host_by_name()
    {
        var options = new RemotePoolOptions { MaxOutputBytes = -1 };

        ArgumentOutOfRangeException error = Assert.Throws<ArgumentOutOfRangeException>(() => RoundTrip(options).ToPoolOptions(1));
        Assert.Equal("MaxOutputBytes", error.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RemotePoolOptions { TimeoutSeconds = 0 }.ToPoolOptions(1));
    }

    private static string[] Sorted(ICollection keys)
    {
        var names = new List<string>();
        foreach (object key in keys)
        {
            names.Add((string)key);
        }

        names.Sort(StringComparer.Ordinal);
        return names.ToArray();
    }
}

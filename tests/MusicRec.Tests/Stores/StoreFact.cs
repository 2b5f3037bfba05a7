using MusicRec.Stores;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace MusicRec.Tests.Stores;

/// <summary>
/// A MongoDB test: skipped, with a reason that says it was NOT RUN, when MUSICREC_MONGO_URL is not set
/// (no MongoDB server can be installed on the build machines).
/// </summary>
public sealed class MongoFactAttribute : FactAttribute
{
    public const string NotRun = "MUSICREC_MONGO_URL is not set: MongoDB contract tests NOT RUN";

    public MongoFactAttribute([System.Runtime.CompilerServices.CallerMemberName] string test = "")
    {
        if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(StoreUri.MongoUrlVariable))) return;
        Skip = NotRun;
        // The runner's normal verbosity prints names, not skip reasons: the name says it too.
        DisplayName = $"{test} [NOT RUN: MUSICREC_MONGO_URL is not set]";
    }
}

/// <summary>Marks a contract-test subclass whose store needs MUSICREC_MONGO_URL.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class RequiresMongoAttribute : Attribute;

/// <summary>
/// A contract test, declared once on the abstract suite and run for every store subclass. On a subclass marked
/// <see cref="RequiresMongoAttribute"/> it is skipped (reported as not run) when MUSICREC_MONGO_URL is not set.
/// </summary>
[XunitTestCaseDiscoverer("MusicRec.Tests.Stores.StoreFactDiscoverer", "MusicRec.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class StoreFactAttribute : FactAttribute;

public sealed class StoreFactDiscoverer(IMessageSink diagnosticMessageSink) : FactDiscoverer(diagnosticMessageSink)
{
    public override IEnumerable<IXunitTestCase> Discover(
        ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        var needsMongo = testMethod.TestClass.Class.GetCustomAttributes(typeof(RequiresMongoAttribute)).Any();
        if (needsMongo && string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(StoreUri.MongoUrlVariable)))
            return
            [
                new NotRunTestCase(DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(),
                    discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, MongoFactAttribute.NotRun),
            ];
        return base.Discover(discoveryOptions, testMethod, factAttribute);
    }
}

/// <summary>A skipped test case whose name says NOT RUN (the runner's normal verbosity prints names, not skip reasons).</summary>
public sealed class NotRunTestCase : XunitSkippedDataRowTestCase
{
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public NotRunTestCase() { }

    public NotRunTestCase(IMessageSink sink, TestMethodDisplay display, TestMethodDisplayOptions options, ITestMethod testMethod, string skipReason)
        : base(sink, display, options, testMethod, skipReason) { }

    protected override void Initialize()
    {
        base.Initialize();
        DisplayName = $"{DisplayName} [NOT RUN: MUSICREC_MONGO_URL is not set]";
    }
}

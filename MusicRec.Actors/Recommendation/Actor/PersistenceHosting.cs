using System.Data.Common;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Persistence.Hosting;
using Akka.Persistence.Sql;
using Akka.Persistence.Sql.Config;
using Akka.Persistence.Sql.Hosting;
using LinqToDB;
using LinqToDB.Interceptors;
using Microsoft.Data.Sqlite;

namespace MusicRec.Recommendation;

public enum JournalKind
{
    /// <summary>Embedded default: Akka.Persistence.Sql on a SQLite file (provider SQLite.MS).</summary>
    Sqlite,
    /// <summary>Shared journal for a cluster: Akka.Persistence.Sql on PostgreSQL (provider PostgreSQL.15).</summary>
    PostgreSql,
    /// <summary>Nothing survives the process: tests and benchmarks of logic.</summary>
    InMemory,
}

/// <summary>Where the recommenders' events and snapshots live.</summary>
public sealed record PersistenceOptions
{
    public const string DefaultSqlitePath = "musicrec-journal.db";
    public const string SqliteProvider = "SQLite.MS";
    public const string PostgreSqlProvider = "PostgreSQL.15";

    public JournalKind Kind { get; init; } = JournalKind.Sqlite;
    /// <summary>SQLite file (created with its tables on first use).</summary>
    public string SqlitePath { get; init; } = DefaultSqlitePath;
    /// <summary>Npgsql connection string for <see cref="JournalKind.PostgreSql"/>.</summary>
    public string? PostgreSqlConnectionString { get; init; }

    public static PersistenceOptions Sqlite(string path = DefaultSqlitePath) => new() { Kind = JournalKind.Sqlite, SqlitePath = path };
    public static PersistenceOptions PostgreSql(string connectionString) => new() { Kind = JournalKind.PostgreSql, PostgreSqlConnectionString = connectionString };
    public static PersistenceOptions InMemory() => new() { Kind = JournalKind.InMemory };

    /// <summary>PostgreSQL when a connection string is given, else SQLite at <paramref name="sqlitePath"/>.</summary>
    public static PersistenceOptions FromConnectionString(string? postgreSqlConnectionString, string sqlitePath = DefaultSqlitePath) =>
        string.IsNullOrWhiteSpace(postgreSqlConnectionString) ? Sqlite(sqlitePath) : PostgreSql(postgreSqlConnectionString);

    public string ProviderName => Kind switch
    {
        JournalKind.Sqlite => SqliteProvider,
        JournalKind.PostgreSql => PostgreSqlProvider,
        _ => "in-memory",
    };

    public string ConnectionString => Kind switch
    {
        JournalKind.Sqlite => new SqliteConnectionStringBuilder { DataSource = Path.GetFullPath(SqlitePath), DefaultTimeout = 30 }.ToString(),
        JournalKind.PostgreSql => PostgreSqlConnectionString is { Length: > 0 } cs ? cs
            : throw new InvalidOperationException("PostgreSQL persistence needs a connection string"),
        _ => "",
    };

    /// <summary>Where the journal is, with any password masked (for logs).</summary>
    public string Describe() => Kind switch
    {
        JournalKind.Sqlite => $"sqlite:{Path.GetFullPath(SqlitePath)}",
        JournalKind.PostgreSql => "postgresql:" + MaskPassword(PostgreSqlConnectionString ?? ""),
        _ => "in-memory",
    };

    /// <summary>
    /// Complete persistence HOCON for an ActorSystem built without Akka.Hosting (the Sql plugin's own defaults are
    /// the fallback, as that plugin requires).
    /// </summary>
    public Config ToConfig()
    {
        Prepare();
        if (Kind == JournalKind.InMemory)
            return ConfigurationFactory.ParseString("""
                akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
                akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
                """);
        var hocon = $$"""
            akka.persistence {
              journal {
                plugin = "akka.persistence.journal.sql"
                sql { connection-string = {{Quote(ConnectionString)}}, provider-name = "{{ProviderName}}", auto-initialize = on }
              }
              snapshot-store {
                plugin = "akka.persistence.snapshot-store.sql"
                sql { connection-string = {{Quote(ConnectionString)}}, provider-name = "{{ProviderName}}", auto-initialize = on }
              }
            }
            """;
        return WriterTuning().WithFallback(ConfigurationFactory.ParseString(hocon)).WithFallback(SqlPersistence.DefaultConfiguration);
    }

    /// <summary>
    /// SQLite has one writer at a time: several journal writers only wait on each other's lock (and spin in the
    /// driver's busy loop), so one writer with large batches is what goes fastest. No tags are written, so the
    /// tag table is not needed (tags, if any, go in the journal row). Rows go in as bound parameters (hex literals
    /// made large strings on the large-object heap), at most 25 rows per statement: SQLite finds a named parameter by
    /// a linear scan of the statement's names (docs/benchmarks.md).
    /// <para>
    /// The journal's actor and its write stream run on a thread of their own (<see cref="JournalDispatcher"/>): a
    /// SQLite write blocks its thread, and on the shared pool each hop of a write waited behind the users' rankings.
    /// </para>
    /// </summary>
    internal Config WriterTuning() => Kind != JournalKind.Sqlite ? Config.Empty : ConfigurationFactory.ParseString($$"""
        akka.persistence.journal.sql {
          parallelism = 1, batch-size = 1000, db-round-trip-max-batch-size = 25, tag-write-mode = Csv, prefer-parameters-on-multirow-insert = true
          plugin-dispatcher = "{{JournalDispatcher}}", materializer-dispatcher = "{{JournalDispatcher}}"
        }
        {{JournalDispatcher}} { type = ForkJoinDispatcher, throughput = 100, dedicated-thread-pool { thread-count = 1, threadtype = background } }
        """);

    /// <summary>The SQLite journal's dispatcher: one dedicated thread.</summary>
    public const string JournalDispatcher = "musicrec.journal-dispatcher";

    /// <summary>
    /// The ActorSystem setup for a system built without Akka.Hosting: <paramref name="config"/> (which should include
    /// <see cref="ToConfig"/>), the journal's serializer and, for SQLite, the connection options that let the journal
    /// batch (see <see cref="YieldingConnectionInterceptor"/>).
    /// </summary>
    public ActorSystemSetup ToSetup(Config config)
    {
        var setup = RecommenderSerializer.AddTo(ActorSystemSetup.Create(BootstrapSetup.Create().WithConfig(config)));
        return Kind == JournalKind.Sqlite ? setup.And(new DataOptionsSetup(SqliteDataOptions())) : setup;
    }

    internal DataOptions SqliteDataOptions() =>
        new DataOptions().UseConnectionString(LinqToDB.ProviderName.SQLiteMS, ConnectionString)
            .UseInterceptor(YieldingConnectionInterceptor.Instance);

    /// <summary>Creates the SQLite file's folder and switches the file to WAL (readers do not block the writer).</summary>
    internal void Prepare()
    {
        if (Kind != JournalKind.Sqlite) return;
        var full = Path.GetFullPath(SqlitePath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        using var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL;";
        command.ExecuteNonQuery();
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    private static string MaskPassword(string connectionString) =>
        System.Text.RegularExpressions.Regex.Replace(connectionString, @"(?i)(password|pwd)\s*=\s*[^;]*", "$1=***");
}

public static class PersistenceHostingExtensions
{
    /// <summary>Journal and snapshot store for the recommenders: SQLite file, PostgreSQL or in-memory.</summary>
    public static AkkaConfigurationBuilder WithMusicRecPersistence(this AkkaConfigurationBuilder builder, PersistenceOptions options)
    {
        if (options.Kind == JournalKind.InMemory)
            return builder.WithInMemoryJournal().WithInMemorySnapshotStore();
        options.Prepare();
        if (options.Kind == JournalKind.Sqlite)
            return builder
                .AddHocon(options.WriterTuning(), HoconAddMode.Prepend)
                .WithSqlPersistence(options.SqliteDataOptions(), autoInitialize: true, tagStorageMode: TagMode.Csv);
        return builder.WithSqlPersistence(
            connectionString: options.ConnectionString,
            providerName: options.ProviderName,
            autoInitialize: true);
    }
}

/// <summary>
/// Makes every SQLite journal operation asynchronous at its start. Microsoft.Data.Sqlite's async methods run
/// synchronously, so the journal's write stage would do each write (fsync included) inline, one event at a time,
/// and its batching never gets a chance. Yielding once when the connection opens lets events queue up meanwhile and
/// go to the database in one transaction (docs/benchmarks.md).
/// </summary>
internal sealed class YieldingConnectionInterceptor : ConnectionInterceptor
{
    public static readonly YieldingConnectionInterceptor Instance = new();

    public override async Task ConnectionOpeningAsync(ConnectionEventData eventData, DbConnection connection, CancellationToken cancellationToken) =>
        await Task.Yield();
}

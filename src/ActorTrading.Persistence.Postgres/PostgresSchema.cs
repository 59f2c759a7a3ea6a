using Npgsql;

namespace ActorTrading.Persistence.Postgres;

/// <summary>
/// The schema, created and migrated at start-up by versioned, idempotent migrations. Nodes that start
/// together take an advisory lock, so one migrates and the others then find the work done. The journal
/// carries the writer's lease (shard, incarnation, epoch) on every row, and a statement trigger (the fence, CLUSTER.md)
/// refuses rows whose lease is not the shard's current one in <c>shard_lease</c>.
/// </summary>
internal static class PostgresSchema
{
    private const long MigrationLock = 0x4143_5452_4144_4531; // "ACTRADE1"

    private static readonly (int Version, string Sql)[] Migrations =
    [
        (1, """
            CREATE TABLE event_journal (
                ordering           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                persistence_id     varchar(255) NOT NULL,
                sequence_nr        bigint       NOT NULL,
                is_deleted         boolean      NOT NULL DEFAULT false,
                created_at         timestamptz  NOT NULL,
                manifest           varchar(500) NOT NULL,
                payload            bytea        NOT NULL,
                writer_uuid        text         NOT NULL,
                shard_type         text,
                shard_id           integer,
                writer_incarnation bigint,
                writer_epoch       bigint,
                tx_id              xid8         NOT NULL DEFAULT pg_current_xact_id(),
                CONSTRAINT event_journal_uq UNIQUE (persistence_id, sequence_nr)
            );
            CREATE INDEX event_journal_tx ON event_journal (tx_id, ordering);

            CREATE TABLE event_tag (
                tag            varchar(64)  NOT NULL,
                tx_id          xid8         NOT NULL,
                ordering       bigint       NOT NULL REFERENCES event_journal (ordering) ON DELETE CASCADE,
                persistence_id varchar(255) NOT NULL,
                sequence_nr    bigint       NOT NULL,
                PRIMARY KEY (tag, tx_id, ordering)
            );
            CREATE INDEX event_tag_by_ordering ON event_tag (ordering);

            CREATE TABLE snapshot_store (
                persistence_id varchar(255) NOT NULL,
                sequence_nr    bigint       NOT NULL,
                created_at     timestamptz  NOT NULL,
                manifest       varchar(500) NOT NULL,
                payload        bytea        NOT NULL,
                writer_epoch   bigint,
                PRIMARY KEY (persistence_id, sequence_nr)
            );

            CREATE TABLE projection_offset (
                projection_name text        PRIMARY KEY,
                last_tx_id      xid8        NOT NULL,
                last_ordering   bigint      NOT NULL,
                updated_at      timestamptz NOT NULL DEFAULT now()
            );
            """),

        // The fence (CLUSTER.md). Today the one node grants itself every lease it writes under (PostgresJournal.AcquireAsync),
        // each start a new incarnation from node_incarnation; the cluster's membership table takes that sequence's place and
        // adds the foreign keys. Rows without a shard (writes under no lease, and rows from before) are not fenced.
        (2, """
            CREATE SEQUENCE node_incarnation;

            CREATE TABLE shard_lease (
                type_name          text        NOT NULL,
                shard_id           integer     NOT NULL,
                owner_incarnation  bigint,
                epoch              bigint      NOT NULL DEFAULT 0,
                state              text        NOT NULL DEFAULT 'unallocated'
                                   CHECK (state IN ('unallocated','active','handing_off')),
                target_incarnation bigint,
                changed_at         timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (type_name, shard_id)
            );
            CREATE INDEX shard_lease_by_owner ON shard_lease (owner_incarnation);

            CREATE FUNCTION event_journal_fence() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              -- lock the lease rows this statement writes under; a takeover UPDATE now waits for our COMMIT
              PERFORM 1 FROM shard_lease l
                JOIN (SELECT DISTINCT shard_type, shard_id FROM new_rows WHERE shard_type IS NOT NULL) n
                  ON l.type_name = n.shard_type AND l.shard_id = n.shard_id
               ORDER BY l.type_name, l.shard_id
                 FOR SHARE OF l;
              IF EXISTS (SELECT 1 FROM new_rows n
                           LEFT JOIN shard_lease l ON l.type_name = n.shard_type AND l.shard_id = n.shard_id
                          WHERE n.shard_type IS NOT NULL
                            AND (l.epoch IS DISTINCT FROM n.writer_epoch
                                 OR l.owner_incarnation IS DISTINCT FROM n.writer_incarnation)) THEN
                RAISE EXCEPTION USING ERRCODE = 'AT001', MESSAGE = 'fenced: stale shard lease epoch';
              END IF;
              RETURN NULL;
            END $$;
            CREATE TRIGGER event_journal_fence AFTER INSERT ON event_journal
              REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION event_journal_fence();
            """),

        // Cluster membership and the shard lease audit trail (CLUSTER.md, issue 17). A member's incarnation comes from the
        // node_incarnation sequence too, so it never names a single node's journal incarnation: both own shard_lease rows.
        // shard_lease keeps no foreign key to cluster_member for that reason (a single node's incarnations are not members).
        (3, """
            CREATE TYPE member_status AS ENUM ('joining','up','leaving','exiting','down','removed');

            CREATE TABLE cluster_membership_version (
                cluster_id  text        PRIMARY KEY,
                version     bigint      NOT NULL DEFAULT 0,
                changed_at  timestamptz NOT NULL DEFAULT now()
            );

            CREATE TABLE cluster_member (
                incarnation      bigint        PRIMARY KEY DEFAULT nextval('node_incarnation'),
                cluster_id       text          NOT NULL REFERENCES cluster_membership_version,
                node_name        text          NOT NULL,
                address          text          NOT NULL,
                roles            text[]        NOT NULL DEFAULT '{}',
                app_version      text          NOT NULL,
                status           member_status NOT NULL DEFAULT 'joining',
                up_number        integer,
                started_at       timestamptz   NOT NULL DEFAULT now(),
                heartbeat_at     timestamptz   NOT NULL DEFAULT now(),
                lease_expires_at timestamptz   NOT NULL,
                suspicions       jsonb         NOT NULL DEFAULT '[]',
                status_reason    text
            );
            CREATE UNIQUE INDEX cluster_member_one_live_per_address ON cluster_member (cluster_id, address)
                WHERE status IN ('joining','up','leaving','exiting');

            CREATE TABLE shard_lease_history (
                type_name         text        NOT NULL,
                shard_id          integer     NOT NULL,
                epoch             bigint      NOT NULL,
                owner_incarnation bigint,
                reason            text        NOT NULL CHECK (reason IN ('allocate','takeover','hand-off')),
                at                timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (type_name, shard_id, epoch)
            );
            """),

        // Where peers send a member actor messages (its remoting listener, apart from its HTTP address), and the secret that
        // authenticates that traffic when no setting gives one: the first member to start generates it.
        (4, """
            ALTER TABLE cluster_member ADD COLUMN remote_address text;

            CREATE TABLE cluster_secret (
                cluster_id text        PRIMARY KEY,
                secret     text        NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now()
            );
            """),
    ];

    public static async Task MigrateAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);

        // Under the lock too: two CREATE TABLE IF NOT EXISTS at the same moment can both pass the check, and the second
        // then fails on the table's row type ("type schema_version already exists").
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await LockAsync(connection, transaction, cancellationToken);
            await using (var create = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())", connection, transaction))
            {
                await create.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }

        foreach (var (version, sql) in Migrations)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await LockAsync(connection, transaction, cancellationToken);

            await using (var check = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM schema_version WHERE version = @v)", connection, transaction))
            {
                check.Parameters.AddWithValue("v", version);
                if ((bool)(await check.ExecuteScalarAsync(cancellationToken))!)
                {
                    continue;
                }
            }

            await using (var migrate = new NpgsqlCommand(sql, connection, transaction))
            {
                await migrate.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var record = new NpgsqlCommand("INSERT INTO schema_version (version) VALUES (@v)", connection, transaction))
            {
                record.Parameters.AddWithValue("v", version);
                await record.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }
    }

    // Held until the transaction ends: one node at a time creates or migrates the schema.
    private static async Task LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@lock)", connection, transaction);
        command.Parameters.AddWithValue("lock", MigrationLock);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

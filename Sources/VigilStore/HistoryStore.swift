public import GRDB
internal import VigilCore

/// The SQLite store of everything ingested: archives, deploys, series, labels, problems.
///
/// A file store uses WAL, so readers (an analyst's `vigil status`) never block the
/// nightly writer. Every archive is ingested in one transaction (``ingest(_:)``), so a
/// failure part-way leaves the store exactly as it was.
public final class HistoryStore: Sendable {
    public let writer: any DatabaseWriter
    /// The file path, or `nil` for an in-memory store.
    public let path: String?

    /// Opens (or creates) the store at `path` and migrates it to the current schema.
    ///
    /// - Throws: ``StoreError`` `cannotOpen` when SQLite cannot open the file, `schemaTooNew`
    ///   when the file was written by a newer vigil.
    public init(path: String) throws(StoreError) {
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        // In WAL mode, NORMAL never corrupts the file; a power cut may undo the last committed
        // archive, which is then simply ingested again (it is not recorded as ingested).
        // Series blobs are a few KiB each: 16 KiB pages keep most of them off overflow chains.
        // page_size only takes effect when the file is created.
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA page_size = 16384; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -32768")
        }
        do {
            writer = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StoreError(code: .cannotOpen, message: "Cannot open the store '\(path)'.", cause: error)
        }
        self.path = path
        try migrate()
    }

    /// Opens the store at `path` for reading only: for a store this process may not write (a
    /// copy on a read-only mount, another user's file). It is not migrated, so it must be at
    /// the current schema.
    ///
    /// - Throws: ``StoreError`` `cannotOpen` when SQLite cannot open it or it needs a migration
    ///   (which only a writable open does), `schemaTooNew` when a newer vigil wrote it.
    public init(readingAt path: String) throws(StoreError) {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(30)
        do {
            writer = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw StoreError(code: .cannotOpen, message: "Cannot open the store '\(path)' for reading.", cause: error)
        }
        self.path = path
        let migrator = Self.migrator
        let applied: Set<String>
        do {
            applied = try writer.read { try migrator.appliedIdentifiers($0) }
        } catch {
            throw StoreError(code: .cannotOpen, message: "Cannot read the store '\(path)'.", cause: error)
        }
        let known = Set(migrator.migrations)
        let unknown = applied.subtracting(known)
        guard unknown.isEmpty else {
            throw StoreError(
                code: .schemaTooNew,
                message: "The store '\(path)' has migrations this vigil does not know "
                    + "(\(unknown.sorted().joined(separator: ", "))); use a newer vigil."
            )
        }
        let missing = known.subtracting(applied)
        guard missing.isEmpty else {
            throw StoreError(
                code: .cannotOpen,
                message: "The store '\(path)' needs an upgrade (\(missing.sorted().joined(separator: ", "))), "
                    + "which needs write access; open it once where it is writable."
            )
        }
    }

    /// An empty store in memory, for tests.
    public init() throws(StoreError) {
        do {
            writer = try DatabaseQueue()
        } catch {
            throw StoreError(code: .cannotOpen, message: "Cannot open an in-memory store.", cause: error)
        }
        path = nil
        try migrate()
    }

    private func migrate() throws(StoreError) {
        let migrator = Self.migrator
        do {
            let known = Set(migrator.migrations)
            let applied = try writer.read { try migrator.appliedIdentifiers($0) }
            let unknown = applied.subtracting(known)
            if !unknown.isEmpty {
                throw StoreError(
                    code: .schemaTooNew,
                    message: "The store '\(path ?? ":memory:")' has migrations this vigil does not know "
                        + "(\(unknown.sorted().joined(separator: ", "))); use a newer vigil."
                )
            }
            try migrator.migrate(writer)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(
                code: .cannotOpen,
                message: "Cannot migrate the store '\(path ?? ":memory:")'.",
                cause: error
            )
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: archives, deploys, series, labels, problems") { db in
            try db.execute(sql: schemaV1)
        }
        migrator.registerMigration("v2: run history") { db in
            try db.execute(sql: schemaV2)
        }
        migrator.registerMigration("v3: removals") { db in
            try db.execute(sql: schemaV3)
        }
        migrator.registerMigration("v4: deploy content digests") { db in
            // Two copies of a deploy exported at the same time are decided by content, not
            // ingest order; rows stored before this have none (the next copy replaces them).
            try db.execute(sql: "ALTER TABLE deploy ADD COLUMN digest TEXT")
        }
        migrator.registerMigration("v5: forgotten archives, history sources") { db in
            try db.execute(sql: schemaV5)
        }
        migrator.registerMigration("v6: run attempts") { db in
            // How often a run was started or resumed: the scheduler gives up on one that keeps failing.
            try db.execute(sql: "ALTER TABLE run ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1")
        }
        return migrator
    }

    /// What an operator removed from the store, and why: removals are never silent.
    static let schemaV3 = """
        CREATE TABLE removal (
            row_id INTEGER PRIMARY KEY,
            what TEXT NOT NULL CHECK (what IN ('deploy')),
            id TEXT NOT NULL,
            at INTEGER NOT NULL,
            reason TEXT NOT NULL,
            detail TEXT NOT NULL
        );
        """

    /// An archive can be forgotten (a removal of what 'archive', id its SHA-256), and a merged
    /// history series remembers every archive that contributed to it, so forgetting one knows
    /// which series to rebuild. Stores from before this know only each series' last contributor.
    static let schemaV5 = """
        CREATE TABLE removal_v5 (
            row_id INTEGER PRIMARY KEY,
            what TEXT NOT NULL CHECK (what IN ('deploy', 'archive')),
            id TEXT NOT NULL,
            at INTEGER NOT NULL,
            reason TEXT NOT NULL,
            detail TEXT NOT NULL
        );
        INSERT INTO removal_v5 SELECT row_id, what, id, at, reason, detail FROM removal;
        DROP TABLE removal;
        ALTER TABLE removal_v5 RENAME TO removal;
        CREATE INDEX removal_by_id ON removal(what, id);
        CREATE TABLE history_source (
            app TEXT NOT NULL,
            metric TEXT NOT NULL,
            archive_id INTEGER NOT NULL REFERENCES archive(id),
            PRIMARY KEY (app, metric, archive_id)
        );
        CREATE INDEX history_source_by_archive ON history_source(archive_id);
        INSERT INTO history_source SELECT app, metric, archive_id FROM history;
        """

    static let schemaV2 = """
        CREATE TABLE run (
            id TEXT PRIMARY KEY,
            pipeline TEXT NOT NULL,
            started_at INTEGER NOT NULL,
            finished_at INTEGER,
            status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
            options TEXT NOT NULL,
            summary TEXT,
            error TEXT
        );
        CREATE TABLE run_stage (
            run_id TEXT NOT NULL REFERENCES run(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            stage TEXT NOT NULL,
            started_at INTEGER NOT NULL,
            finished_at INTEGER,
            status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
            figures TEXT,
            error TEXT,
            PRIMARY KEY (run_id, stage)
        );
        """

    static let schemaV1 = """
        CREATE TABLE archive (
            id INTEGER PRIMARY KEY,
            sha256 TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            path TEXT NOT NULL,
            size_bytes INTEGER NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('ingested', 'rejected')),
            error TEXT,
            ingested_at INTEGER NOT NULL,
            exported_at INTEGER,
            source TEXT,
            period_from INTEGER,
            period_to INTEGER,
            deploys_added INTEGER NOT NULL DEFAULT 0,
            deploys_updated INTEGER NOT NULL DEFAULT 0,
            deploys_rejected INTEGER NOT NULL DEFAULT 0,
            deploys_kept_newer INTEGER NOT NULL DEFAULT 0,
            series INTEGER NOT NULL DEFAULT 0,
            points INTEGER NOT NULL DEFAULT 0,
            history_series INTEGER NOT NULL DEFAULT 0,
            labels_applied INTEGER NOT NULL DEFAULT 0,
            labels_pending INTEGER NOT NULL DEFAULT 0,
            label_lines_skipped INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE deploy (
            id TEXT PRIMARY KEY,
            app TEXT NOT NULL,
            env TEXT,
            strategy TEXT,
            started_at INTEGER NOT NULL,
            finished_at INTEGER,
            end_at INTEGER NOT NULL,
            outcome TEXT,
            change_commit TEXT,
            change_summary TEXT,
            guard_ran INTEGER NOT NULL,
            guard_bundle_version TEXT,
            archive_id INTEGER NOT NULL REFERENCES archive(id),
            exported_at INTEGER NOT NULL
        );
        CREATE INDEX deploy_by_app_time ON deploy(app, started_at);
        CREATE INDEX deploy_by_time ON deploy(started_at);
        CREATE TABLE batch (
            deploy_id TEXT NOT NULL REFERENCES deploy(id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            started_at INTEGER,
            finished_at INTEGER,
            PRIMARY KEY (deploy_id, idx)
        );
        CREATE TABLE deploy_host (
            deploy_id TEXT NOT NULL REFERENCES deploy(id) ON DELETE CASCADE,
            host TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('released', 'baseline')),
            batch_idx INTEGER,
            position INTEGER NOT NULL,
            PRIMARY KEY (deploy_id, role, host, batch_idx)
        );
        CREATE TABLE deploy_metric (
            deploy_id TEXT NOT NULL REFERENCES deploy(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            name TEXT NOT NULL,
            kind TEXT,
            unit TEXT,
            direction TEXT NOT NULL,
            step_s INTEGER,
            PRIMARY KEY (deploy_id, name)
        );
        CREATE TABLE alert (
            deploy_id TEXT NOT NULL REFERENCES deploy(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            id TEXT NOT NULL,
            at INTEGER NOT NULL,
            batch_idx INTEGER,
            detector TEXT,
            metric TEXT,
            action TEXT,
            PRIMARY KEY (deploy_id, id)
        );
        -- No foreign key to deploy: a series may arrive before its deploy in the same archive.
        CREATE TABLE series (
            deploy_id TEXT NOT NULL,
            metric TEXT NOT NULL,
            host TEXT NOT NULL,
            start INTEGER NOT NULL,
            step INTEGER NOT NULL,
            count INTEGER NOT NULL,
            missing INTEGER NOT NULL,
            data BLOB NOT NULL,
            archive_id INTEGER NOT NULL REFERENCES archive(id),
            exported_at INTEGER NOT NULL,
            PRIMARY KEY (deploy_id, metric, host)
        );
        CREATE INDEX series_by_archive ON series(archive_id);
        CREATE TABLE history (
            app TEXT NOT NULL,
            metric TEXT NOT NULL,
            start INTEGER NOT NULL,
            step INTEGER NOT NULL,
            count INTEGER NOT NULL,
            missing INTEGER NOT NULL,
            data BLOB NOT NULL,
            archive_id INTEGER NOT NULL REFERENCES archive(id),
            exported_at INTEGER NOT NULL,
            PRIMARY KEY (app, metric)
        );
        -- Every version of every label is kept; the effective one is chosen by the views below.
        CREATE TABLE feedback (
            row_id INTEGER PRIMARY KEY,
            deploy_id TEXT NOT NULL,
            alert_id TEXT NOT NULL,
            verdict TEXT NOT NULL CHECK (verdict IN ('true_positive', 'false_positive')),
            labeled_by TEXT,
            labeled_at INTEGER NOT NULL,
            note TEXT,
            archive_id INTEGER NOT NULL REFERENCES archive(id),
            exported_at INTEGER NOT NULL,
            entry TEXT NOT NULL,
            line INTEGER NOT NULL
        );
        CREATE INDEX feedback_by_alert ON feedback(deploy_id, alert_id);
        CREATE TABLE incident (
            row_id INTEGER PRIMARY KEY,
            id TEXT NOT NULL,
            app TEXT NOT NULL,
            deploy_id TEXT,
            cause TEXT NOT NULL CHECK (cause IN ('change', 'other')),
            severity TEXT,
            start INTEGER NOT NULL,
            end INTEGER NOT NULL,
            metrics TEXT,
            hosts TEXT,
            archive_id INTEGER NOT NULL REFERENCES archive(id),
            exported_at INTEGER NOT NULL,
            entry TEXT NOT NULL,
            line INTEGER NOT NULL
        );
        CREATE INDEX incident_by_id ON incident(id);
        CREATE INDEX incident_by_app ON incident(app, start);
        CREATE TABLE problem (
            row_id INTEGER PRIMARY KEY,
            archive_id INTEGER REFERENCES archive(id) ON DELETE CASCADE,
            archive TEXT NOT NULL,
            entry TEXT,
            line INTEGER,
            severity TEXT NOT NULL,
            kind TEXT NOT NULL,
            message TEXT NOT NULL
        );
        -- The effective verdict on an alert: the latest labeled_at wins; ties go to the later export,
        -- then the later archive, then the later row of that archive (rows are stored in archive order).
        CREATE VIEW effective_feedback AS
            SELECT * FROM (
                SELECT f.*, ROW_NUMBER() OVER (
                    PARTITION BY deploy_id, alert_id
                    ORDER BY labeled_at DESC, exported_at DESC, archive_id DESC, row_id DESC) AS rank
                FROM feedback f)
            WHERE rank = 1;
        -- The effective version of an incident: the one from the latest export.
        CREATE VIEW effective_incident AS
            SELECT * FROM (
                SELECT i.*, ROW_NUMBER() OVER (
                    PARTITION BY id ORDER BY exported_at DESC, archive_id DESC, row_id DESC) AS rank
                FROM incident i)
            WHERE rank = 1;
        -- Labels waiting for their deploy (or alert) to arrive in a later archive.
        CREATE VIEW pending_feedback AS
            SELECT * FROM effective_feedback f
            WHERE NOT EXISTS (SELECT 1 FROM alert a WHERE a.deploy_id = f.deploy_id AND a.id = f.alert_id);
        CREATE VIEW pending_incident AS
            SELECT * FROM effective_incident i
            WHERE i.deploy_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM deploy d WHERE d.id = i.deploy_id);
        """
}

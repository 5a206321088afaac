/**
 * Commits that arrive while another is on its way go to PostgreSQL together: one statement that
 * calls the commit function once per batch (`SELECT f($1…$36) AS s0, f($37…$72) AS s1, …`), so
 * ten executions deciding at the same moment cost one round trip, one transaction and one WAL
 * flush instead of ten. A commit with nothing in flight goes at once, alone (a chain's step
 * waits for nothing). A group is one transaction: when its statement fails (one batch refused as
 * not current, a constraint, a deadlock), nothing of it was written and every batch is sent
 * again alone, so each gets its own outcome.
 */

/** Sends one statement and answers its first row. */
export type SendStatement = (sql: string, values: unknown[]) => Promise<Record<string, unknown> | undefined>;

/** Seqs of a batch's events, as the commit function returns them (null: a duplicate). */
export type Seqs = Array<number | null>;

interface Waiting {
  values: unknown[];
  /** Batches of a group are called in this order (execution ids: replicas lock rows alike). */
  order: string;
  resolve(seqs: Seqs): void;
  reject(error: unknown): void;
}

/** Batches in one statement at most. */
const MAX_GROUP = 32;

export class CommitGroups {
  private readonly waiting: Waiting[] = [];
  private inFlight = 0;
  private scheduled = false;
  private readonly call: string;
  private readonly arity: number;
  private readonly groupSql = new Map<number, string>();

  /**
   * `single`: the statement of one commit, `SELECT <function call> AS seqs`, whose parameters
   * are `$1` … `$arity`.
   */
  constructor(
    private readonly send: SendStatement,
    private readonly single: string,
  ) {
    const m = /^SELECT ([\s\S]+) AS seqs$/.exec(single);
    if (!m?.[1]) throw new Error("CommitGroups: the commit statement must be `SELECT <call> AS seqs`");
    this.call = m[1];
    this.arity = Math.max(0, ...[...this.call.matchAll(/\$(\d+)/g)].map((x) => Number(x[1])));
  }

  /** Commits one batch (its parameters), alone or with the others waiting. */
  commit(values: unknown[], order: string): Promise<Seqs> {
    if (this.inFlight === 0 && this.waiting.length === 0) return this.alone(values);
    return new Promise((resolve, reject) => {
      this.waiting.push({ values, order, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // the other commits of this turn of the event loop join the group
        setImmediate(() => this.flush());
      }
    });
  }

  private async alone(values: unknown[]): Promise<Seqs> {
    this.inFlight++;
    try {
      return ((await this.send(this.single, values))?.seqs as Seqs | undefined) ?? [];
    } finally {
      this.inFlight--;
    }
  }

  private flush(): void {
    this.scheduled = false;
    while (this.waiting.length > 0) {
      const group = this.waiting
        .splice(0, MAX_GROUP)
        .sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
      if (group.length === 1) {
        const [w] = group as [Waiting];
        this.alone(w.values).then(w.resolve, w.reject);
      } else void this.together(group);
    }
  }

  private async together(group: Waiting[]): Promise<void> {
    this.inFlight++;
    let row: Record<string, unknown> | undefined;
    try {
      row = await this.send(
        this.statementFor(group.length),
        group.flatMap((w) => w.values),
      );
    } catch {
      // nothing of the group was written: each batch again, alone, for its own outcome
      for (const w of group) this.alone(w.values).then(w.resolve, w.reject);
      return;
    } finally {
      this.inFlight--;
    }
    group.forEach((w, i) => w.resolve((row?.[`s${i}`] as Seqs | undefined) ?? []));
  }

  private statementFor(n: number): string {
    let sql = this.groupSql.get(n);
    if (!sql) {
      const calls: string[] = [];
      for (let i = 0; i < n; i++) {
        const shift = i * this.arity;
        calls.push(`${this.call.replace(/\$(\d+)/g, (_m, k: string) => `$${Number(k) + shift}`)} AS s${i}`);
      }
      sql = `SELECT ${calls.join(", ")}`;
      this.groupSql.set(n, sql);
    }
    return sql;
  }
}

/**
 * One schema migration of the PostgreSQL store. `{schema}` in the SQL is replaced by the quoted
 * schema name.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

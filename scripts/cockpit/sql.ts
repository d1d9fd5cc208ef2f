/** A text value as a DuckDB SQL string literal (quotes doubled): for values from policy and contracts. */
export const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;

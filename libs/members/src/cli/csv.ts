/** One parsed CSV record with the 1-based line it starts on. */
export interface CsvRecord {
  line: number;
  values: Record<string, string>;
}

/**
 * Minimal RFC 4180 reader: comma separated, optional double quotes with `""` escapes, CRLF or LF.
 * The first record is the header. Returns records keyed by header names, plus structural errors.
 */
export function parseCsv(text: string): {
  header: string[];
  records: CsvRecord[];
  errors: { line: number; reason: string }[];
} {
  const rows: { line: number; fields: string[] }[] = [];
  const errors: { line: number; reason: string }[] = [];
  let fields: string[] = [];
  let field = '';
  let inQuotes = false;
  let line = 1;
  let rowLine = 1;
  const body = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (inQuotes) {
      if (c === '"' && body[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') inQuotes = false;
      else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"' && field === '') inQuotes = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && body[i + 1] === '\n') i++;
      fields.push(field);
      rows.push({ line: rowLine, fields });
      fields = [];
      field = '';
      line++;
      rowLine = line;
    } else field += c;
  }
  if (inQuotes) errors.push({ line: rowLine, reason: 'unterminated quoted field' });
  if (field !== '' || fields.length > 0) {
    fields.push(field);
    rows.push({ line: rowLine, fields });
  }
  const nonEmpty = rows.filter((r) => !(r.fields.length === 1 && r.fields[0].trim() === ''));
  const [head, ...data] = nonEmpty;
  const header = head ? head.fields.map((h) => h.trim()) : [];
  const records: CsvRecord[] = [];
  for (const row of data) {
    if (row.fields.length !== header.length) {
      errors.push({ line: row.line, reason: `expected ${header.length} fields, found ${row.fields.length}` });
      continue;
    }
    records.push({
      line: row.line,
      values: Object.fromEntries(header.map((h, i) => [h, row.fields[i].trim()])),
    });
  }
  return { header, records, errors };
}

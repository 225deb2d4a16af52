// Test helper (imported only by *.test.ts): just enough of RFC 5322/2045/2047 to read back
// what nodemailer wrote (headers, encoded words, multipart/alternative, QP and base64),
// so tests check decoded content rather than one encoder's exact bytes.

export interface ParsedEmail {
  /** Header values by lower-case name, unfolded and with encoded words decoded. */
  headers: Map<string, string[]>;
  header(name: string): string | undefined;
  text?: string;
  html?: string;
}

interface Part {
  headers: Map<string, string[]>;
  body: string;
}

function decodeEncodedWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(
      /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g,
      (_match, _charset, encoding: string, data: string) =>
        encoding.toUpperCase() === 'B'
          ? Buffer.from(data, 'base64').toString('utf8')
          : decodeQuotedPrintable(data.replaceAll('_', ' ')),
    );
}

function decodeQuotedPrintable(value: string): string {
  const bytes: number[] = [];
  const unwrapped = value.replace(/=\r?\n/g, '');
  for (let index = 0; index < unwrapped.length; index += 1) {
    const hex = unwrapped.slice(index + 1, index + 3);
    if (unwrapped[index] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      index += 2;
    } else {
      bytes.push(...Buffer.from(unwrapped[index]!, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function parsePart(raw: string): Part {
  const split = raw.search(/\r?\n\r?\n/);
  const head = split === -1 ? raw : raw.slice(0, split);
  const body = split === -1 ? '' : raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const headers = new Map<string, string[]>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) {
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = decodeEncodedWords(line.slice(colon + 1).trim());
      headers.set(name, [...(headers.get(name) ?? []), value]);
    }
  }
  return { headers, body };
}

/** The decoded body, with the wire's CRLF line ends read back as `\n`. */
function decodeBody(part: Part): string {
  const encoding = part.headers.get('content-transfer-encoding')?.[0]?.toLowerCase();
  const decoded =
    encoding === 'base64'
      ? Buffer.from(part.body.replace(/\s+/g, ''), 'base64').toString('utf8')
      : encoding === 'quoted-printable'
        ? decodeQuotedPrintable(part.body)
        : part.body;
  return decoded.replaceAll('\r\n', '\n');
}

function leafParts(part: Part): Part[] {
  const type = part.headers.get('content-type')?.[0] ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!type.toLowerCase().startsWith('multipart/') || !boundary) {
    return [part];
  }
  return part.body
    .split(`--${boundary}`)
    .slice(1, -1)
    .flatMap((chunk) => leafParts(parsePart(chunk.replace(/^\r?\n/, ''))));
}

/** Parses a raw message as sent over SMTP or written to a `.eml` file. */
export function parseEml(raw: string): ParsedEmail {
  const root = parsePart(raw);
  const leaves = leafParts(root);
  const body = (mime: string) =>
    leaves.find((leaf) => leaf.headers.get('content-type')?.[0]?.toLowerCase().startsWith(mime));
  const text = body('text/plain');
  const html = body('text/html');
  return {
    headers: root.headers,
    header: (name) => root.headers.get(name.toLowerCase())?.[0],
    ...(text ? { text: decodeBody(text) } : {}),
    ...(html ? { html: decodeBody(html) } : {}),
  };
}

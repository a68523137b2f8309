// The delimiter guess on its own: clear cases pick the candidate, unclear ones give nothing (comma).
import { describe, expect, it } from 'vitest';
import { chooseDelimiter, detectDelimiter } from '../../src/ingest/detect-delimiter.js';

const detect = (text: string, complete = true, enclosure = '"') =>
  detectDelimiter({ text, complete, enclosure });

describe('detectDelimiter', () => {
  it('picks the one candidate that splits every record alike', () => {
    expect(detect('id\tname\n1\tAlice\n2\tBob\n')).toBe('\t');
    expect(detect('id;name;city\r\n1;"Smith; John";Brno\r\n')).toBe(';');
    expect(detect('a|b\n1|2\n')).toBe('|');
    expect(detect('id,name\n1,"a;b"\n')).toBe(',');
    expect(detect('\ufeffid;name\n1;x\n')).toBe(';');
  });

  it('gives nothing when the choice is not clear', () => {
    expect(detect('id\n1\n2\n')).toBeUndefined();
    expect(detect('a,b;c\n1,2;3\n')).toBeUndefined();
    expect(detect('id;name\n1;a;b\n')).toBeUndefined();
    expect(detect('')).toBeUndefined();
  });

  it('ignores a record cut off at the end of an incomplete prefix', () => {
    expect(detect('id;name\n1;Alice\n2', false)).toBe(';');
    expect(detect('id;name\n1;Alice\n2', true)).toBeUndefined();
  });

  it('counts nothing inside enclosures, even across lines', () => {
    expect(detect('id;note\n1;"a,\nb,c"\n')).toBe(';');
    expect(detect("id;note\n1;'a,b'\n", true, "'")).toBe(';');
  });

  it('never overrides a sent delimiter, and reports comma as no detection', () => {
    const prefix = { text: 'id;name\n1;a\n', complete: true };
    expect(chooseDelimiter({ delimiter: '|', delimiterSent: true, enclosure: '"' }, prefix)).toEqual({
      delimiter: '|',
      detected: false,
    });
    expect(chooseDelimiter({ delimiter: ',', delimiterSent: false, enclosure: '"' }, prefix)).toEqual({
      delimiter: ';',
      detected: true,
    });
    expect(
      chooseDelimiter(
        { delimiter: ',', delimiterSent: false, enclosure: '"' },
        { text: 'a,b\n1,2\n', complete: true },
      ),
    ).toEqual({ delimiter: ',', detected: false });
  });
});

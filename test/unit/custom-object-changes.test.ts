import { describe, expect, it } from 'vitest';
import {
  customObjectCsvRow,
  customObjectKey,
  validateCustomObjects,
} from '../../src/producer/custom-object-changes.js';

/** The custom object change format: validation naming item and field, record keys, CSV rows, SOAP refused. */

const REST = { transport: 'rest' } as const;

describe('custom object changes at intake', () => {
  it('buffers a valid change under its group and a record key of its type and keys', () => {
    const out = validateCustomObjects(
      [
        {
          apiName: 'device_c',
          operation: 'UPSERT',
          keys: { serialNumber: 'SN 1' },
          attributes: { model: 'X1', seats: 3, active: true, gone: null },
          lead: { Email: 'ann@example.com' },
        },
      ],
      undefined,
      REST,
    );
    expect(out.problems).toEqual([]);
    expect(out.valid[0]!.change).toEqual({
      key: 'C:device_c:serialNumber=SN%201',
      group: 'C:device_c:UPSERT',
      data: {
        apiName: 'device_c',
        attributes: { serialNumber: 'SN 1', model: 'X1', seats: '3', active: 'true', gone: '' },
        lead: { Email: 'ann@example.com' },
      },
    });
  });

  it('gives one record key per record whatever the key order, and another per other key', () => {
    expect(customObjectKey('o_c', { b: '2', a: '1' })).toBe(customObjectKey('o_c', { a: '1', b: '2' }));
    expect(customObjectKey('o_c', { a: '1' })).not.toBe(customObjectKey('p_c', { a: '1' }));
    expect(customObjectKey('o_c', { a: '1&b=2' })).not.toBe(customObjectKey('o_c', { a: '1', b: '2' }));
  });

  it('refuses bad changes naming the item and the field', () => {
    const out = validateCustomObjects(
      [
        { apiName: '1bad', operation: 'UPSERT', keys: { k: '1' } },
        { apiName: 'a_c', operation: 'MERGE', keys: { k: '1' } },
        { apiName: 'a_c', operation: 'UPSERT', keys: {} },
        { apiName: 'a_c', operation: 'UPSERT', keys: { marketoGUID: 'g' } },
        { apiName: 'a_c', operation: 'UPDATE', keys: { k: '1' }, attributes: { K: 'x' } },
        { apiName: 'a_c', operation: 'DELETE', keys: { k: '1' }, attributes: { x: '1' } },
        { apiName: 'a_c', operation: 'UPSERT', keys: { k: '1' }, lead: { Email: 'a', Id: 1 } },
        { apiName: 'a_c', operation: 'UPSERT', keys: { k: '1' }, attributes: { 'bad name': 1 } },
        { apiName: 'a_c', operation: 'UPSERT', keys: { k: { nested: 1 } } },
        { apiName: 'a_c', operation: 'UPSERT', keys: { k: '1' }, extra: 1 },
      ],
      (i) => i + 1,
      REST,
    );
    expect(out.valid).toEqual([]);
    expect(out.problems.map((p) => [p.at, p.field])).toEqual([
      [1, 'apiName'],
      [2, 'operation'],
      [3, 'keys'],
      [4, 'keys.marketoGUID'],
      [5, 'attributes.K'],
      [6, 'attributes'],
      [7, 'lead'],
      [8, 'attributes.bad name'],
      [9, 'keys.k'],
      [10, '(record)'],
    ]);
  });

  it('is refused over SOAP, saying custom objects are REST only', () => {
    const out = validateCustomObjects([{ apiName: 'a_c', operation: 'UPSERT', keys: { k: '1' } }]);
    expect(out.valid).toEqual([]);
    expect(out.problems).toEqual([
      { at: 0, field: 'apiName', reason: expect.stringMatching(/^Custom objects do not exist over SOAP/) },
    ]);
  });

  it('reads a CSV row: key.<name> columns, lead.<key>, attributes; empty cells are no change', () => {
    expect(
      customObjectCsvRow({
        apiName: 'device_c',
        operation: 'UPSERT',
        'key.serialNumber': 'SN-1',
        'lead.Id': '42',
        model: 'X1',
        firmware: '',
      }),
    ).toEqual({
      apiName: 'device_c',
      operation: 'UPSERT',
      keys: { serialNumber: 'SN-1' },
      lead: { Id: 42 },
      attributes: { model: 'X1' },
    });
  });
});

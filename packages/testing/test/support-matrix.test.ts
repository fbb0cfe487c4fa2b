/** The support matrix: one row per registered op, agreeing with the properties that run. */
import { opInfos, opProperties, supportMatrix } from '@tsgrad/testing';
import { describe, expect, it } from 'vitest';

describe('supportMatrix', () => {
  const rows = supportMatrix();

  it('has one row per registered op, in registry order', () => {
    expect(rows.map((r) => r.name)).toEqual(opInfos.map((o) => o.name));
    expect(new Set(rows.map((r) => r.name)).size).toBe(rows.length);
  });

  it('lists exactly the properties that testOp runs for each op', () => {
    for (const info of opInfos) {
      const row = rows.find((r) => r.name === info.name)!;
      expect(row.properties, info.name).toEqual(opProperties(info).map((p) => p.kind));
    }
  });

  it('marks predicates bool, sampling ops random and non-differentiable, order ops int32', () => {
    const row = (name: string) => rows.find((r) => r.name === name)!;
    for (const name of ['isnan', 'isfinite', 'isinf', 'eq', 'lt', 'any', 'all']) {
      expect(row(name).outputDtype, name).toBe('bool');
      expect(row(name).gradient, name).toBe(false);
    }
    for (const name of ['multinomial', 'bernoulli', 'randperm', 'normal', 'uniform']) {
      expect(row(name).random, name).toBe(true);
      expect(row(name).gradient, name).toBe(false);
      expect(row(name).properties, name).toContain('determinism');
    }
    expect(row('argsort').outputDtype).toBe('int32');
    expect(row('gelu')).toMatchObject({ family: 'elementwise', gradient: true, secondOrder: true });
    expect(row('add').broadcasting).toBe(true);
    expect(row('flip').dtypes).toContain('int32');
  });

  it('gives the reason of every skipped property, and runs none of them', () => {
    for (const row of rows) {
      for (const { property, reason } of row.skipped) {
        expect(reason.length, `${row.name}.${property}`).toBeGreaterThan(10);
        expect(row.properties).not.toContain(property);
      }
    }
    const skipping = supportMatrix([
      { ...opInfos.find((o) => o.name === 'norm')!, skip: { secondOrder: 'a reason given for the test' } },
    ]);
    expect(skipping[0]!.skipped).toEqual([
      { property: 'secondOrder', reason: 'a reason given for the test' },
    ]);
    expect(skipping[0]!.properties).not.toContain('secondOrder');
    expect(rows.find((r) => r.name === 'norm')!.properties).toContain('secondOrder');
  });

  it('takes a registry of the caller’s own', () => {
    const mine = supportMatrix([{ ...opInfos[0]!, name: 'myOp', differentiable: false }]);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ name: 'myOp', gradient: false, secondOrder: false });
    expect(mine[0]!.properties).toEqual(['broadcasting', 'dtype', 'nonContiguous', 'determinism']);
  });
});

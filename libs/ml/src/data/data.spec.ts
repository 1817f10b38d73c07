import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { addDays, addMonths, dayOfYear, isoWeek, loadWalmart, simpleWeekOfYear } from './index';

describe('calendar', () => {
  it('ISO weeks across year boundaries', () => {
    expect(isoWeek('2010-01-01')).toEqual({ year: 2009, week: 53 });
    expect(isoWeek('2011-01-07')).toEqual({ year: 2011, week: 1 });
    expect(isoWeek('2010-02-05')).toEqual({ year: 2010, week: 5 });
    expect(isoWeek('2012-12-31')).toEqual({ year: 2013, week: 1 });
  });
  it('days, months, simple weeks', () => {
    expect(addDays('2012-02-24', 7)).toBe('2012-03-02');
    expect(addMonths('2011-03-01', 18)).toBe('2012-09-01');
    expect(addMonths('2011-03-15', 1)).toBe('2011-04-01');
    expect(dayOfYear('2012-12-31')).toBe(366);
    expect(simpleWeekOfYear('2010-12-31')).toBe(53);
    expect(() => addDays('2011-02-30', 1)).toThrow(/calendar date/);
  });
});

describe('loadWalmart', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'walmart-'));
    const train = [
      'Store,Dept,Date,Weekly_Sales,IsHoliday',
      '1,1,2010-02-05,100.5,FALSE',
      '1,1,2010-02-12,200,TRUE',
      '1,1,2010-02-26,-5,FALSE',
      '2,3,2010-02-12,7,TRUE',
      '1,2,2010-02-19,9,FALSE',
    ].join('\n');
    writeFileSync(join(dir, 'train.csv.gz'), gzipSync(train));
    writeFileSync(join(dir, 'stores.csv'), 'Store,Type,Size\n1,A,151315\n2,B,202307\n');
    writeFileSync(
      join(dir, 'features.csv'),
      [
        'Store,Date,Temperature,Fuel_Price,MarkDown1,MarkDown2,MarkDown3,MarkDown4,MarkDown5,CPI,Unemployment,IsHoliday',
        '1,2010-02-05,42.31,2.572,NA,NA,NA,NA,NA,211.09,8.106,FALSE',
        '1,2010-03-12,40,2.6,10,NA,NA,NA,NA,211.5,8.1,FALSE',
      ].join('\n'),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('aligns (Store, Dept) series on the Fridays, NaN where a week has no row', async () => {
    const d = await loadWalmart(dir);
    expect(d.rows).toBe(5);
    expect(d.dates).toEqual(['2010-02-05', '2010-02-12', '2010-02-19', '2010-02-26']);
    expect(Array.from(d.isHoliday)).toEqual([0, 1, 0, 0]);
    expect(d.series.map((s) => s.id)).toEqual(['1-1', '1-2', '2-3']);
    expect(Array.from(d.series[0].values)).toEqual([100.5, 200, NaN, -5]);
    expect(d.series[0].observed).toBe(3);
    expect(d.stores.get(2)).toEqual({ store: 2, type: 'B', size: 202307 });
  });

  it('puts covariates on a longer grid with the same origin', async () => {
    const d = await loadWalmart(dir);
    expect(d.covariateDates).toHaveLength(6);
    const c = d.covariates.get(1)!.values;
    expect(c.Temperature[0]).toBe(42.31);
    expect(c.MarkDown1[0]).toBeNaN();
    expect(c.MarkDown1[5]).toBe(10);
    expect(c.CPI[2]).toBeNaN();
  });

  it('rejects duplicate rows', async () => {
    const dup = mkdtempSync(join(tmpdir(), 'walmart-dup-'));
    try {
      writeFileSync(
        join(dup, 'train.csv.gz'),
        gzipSync('Store,Dept,Date,Weekly_Sales,IsHoliday\n1,1,2010-02-05,1,FALSE\n1,1,2010-02-05,2,FALSE\n'),
      );
      writeFileSync(join(dup, 'stores.csv'), 'Store,Type,Size\n');
      writeFileSync(
        join(dup, 'features.csv'),
        'Store,Date,Temperature,Fuel_Price,MarkDown1,MarkDown2,MarkDown3,MarkDown4,MarkDown5,CPI,Unemployment,IsHoliday\n',
      );
      await expect(loadWalmart(dup)).rejects.toThrow(/duplicate/);
    } finally {
      rmSync(dup, { recursive: true, force: true });
    }
  });
});

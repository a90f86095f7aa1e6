import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import type { RegistryStore } from '../../registry/index.js';

/** The sample equipment lists a Sở exports (shared/data beside the project). */
export const MAU = fileURLToPath(new URL('../../../shared/data/thiet-bi-mau.csv', import.meta.url));
export const LOI = fileURLToPath(new URL('../../../shared/data/thiet-bi-loi.csv', import.meta.url));

/** The rows of a sample file as records keyed by header, read independently of the importer. */
export function sampleRecords(file: string): Record<string, string>[] {
  return parse(readFileSync(file), { bom: true, columns: true, skip_empty_lines: true }) as Record<string, string>[];
}

/** The district(s) and schools the sample files name (but no sites or rooms: the import creates those). */
export async function seedSchools(reg: RegistryStore): Promise<void> {
  const districts: Record<string, string> = { 'Thành phố Lào Cai': 'TP-LAO-CAI', 'Thị xã Sa Pa': 'TX-SA-PA' };
  const seen = new Set<string>();
  for (const r of sampleRecords(MAU)) {
    if (seen.has(r['Mã trường']!)) continue;
    seen.add(r['Mã trường']!);
    const d = await reg.ensureDistrict({ code: districts[r['Phòng GDĐT']!]!, name: r['Phòng GDĐT']! });
    await reg.ensureSchool({ code: r['Mã trường']!, name: r['Tên trường']!, level: r['Mã trường']!.includes('THPT') ? 'thpt' : r['Mã trường']!.includes('THCS') ? 'thcs' : 'tieu_hoc', districtId: d.id });
  }
}

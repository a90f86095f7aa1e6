import type { RegistryStore, SchoolLevel } from '../registry/index.js';
import { schoolTermsOn, type TermTimetable } from '../timetable/index.js';

/**
 * The terms that apply to a school around a date: the ones it entered, or else its level's default for that school
 * year. A school that entered some terms but not the one a date falls in gets the default for that date only.
 */
export async function schoolTerms(registry: RegistryStore, schoolId: number, level: string, date: string): Promise<TermTimetable[]> {
  return schoolTermsOn(await registry.timetables(schoolId), level as SchoolLevel, date);
}

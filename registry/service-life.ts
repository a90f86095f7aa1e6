/** Past its service life: in-service date + service life (years) is before today. Unknown dates or lives are not past. */
export function isPastServiceLife(inServiceDate: string | null, serviceLifeYears: number | null, today: string): boolean {
  if (!inServiceDate || serviceLifeYears === null) return false;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(inServiceDate);
  if (!m) return false;
  const end = `${String(Number(m[1]) + serviceLifeYears).padStart(4, '0')}-${m[2]}-${m[3]}`;
  return end < today;
}

import { useI18n } from '../../i18n.js';

/**
 * The column headers the importer knows, as the Sở's lists spell them (registry/import/values.ts COLUMNS and
 * REQUIRED_COLUMNS; kept in step by hand, since the web app does not bundle the registry).
 */
const REQUIRED = ['Mã thiết bị', 'Loại thiết bị', 'Mã trường', 'Phòng'];
const OPTIONAL = [
  'Tên thiết bị', 'Tên trường', 'Phòng GDĐT', 'Điểm trường', 'Loại phòng', 'Hãng', 'Model', 'Số serial',
  'Ngày đưa vào sử dụng', 'Nguyên giá (VNĐ)', 'Bảo hành (tháng)', 'Hết bảo hành', 'Thời gian sử dụng (năm)',
];

/** A short explanation of the accepted columns and formats, folded away once the user knows it. */
export function ImportHelp(p: { open: boolean }) {
  const { t } = useI18n();
  return (
    <details class="card import-help" data-testid="import-help" open={p.open}>
      <summary>{t('import.helpTitle')}</summary>
      <p>{t('import.helpRequired', { columns: REQUIRED.join(', ') })}</p>
      <p>{t('import.helpOptional', { columns: OPTIONAL.join(', ') })}</p>
      <p class="muted small">{t('import.helpFormats')}</p>
    </details>
  );
}

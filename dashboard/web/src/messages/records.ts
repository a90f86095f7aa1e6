/** Messages of the hierarchy tree, device records and provisioning (keys tree.*, place.*, record.*, prov.*). */
const vi = {
  'nav.tree': 'Đơn vị & phòng',
  'tree.title': 'Đơn vị, điểm trường và phòng',
};
export const recordsMessages = {
  vi,
  en: {
    'nav.tree': 'Schools & rooms',
    'tree.title': 'Districts, schools, sites and rooms',
  } satisfies Record<keyof typeof vi, string>,
};

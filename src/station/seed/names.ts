import type { Random } from './random';

/**
 * Vietnamese names for synthetic residents: family names with their approximate national shares,
 * common middle and given names by sex. Combinations are random; any resemblance is chance.
 */
const FAMILY: readonly (readonly [string, number])[] = [
  ['Nguyễn', 38], ['Trần', 11], ['Lê', 9.5], ['Phạm', 7], ['Hoàng', 5], ['Phan', 4.5], ['Vũ', 4], ['Đặng', 2.1], ['Bùi', 2],
  ['Đỗ', 1.4], ['Hồ', 1.3], ['Ngô', 1.3], ['Dương', 1], ['Lý', 0.5], ['Mai', 0.5], ['Trịnh', 0.8], ['Đinh', 0.7], ['Lương', 0.5],
  ['Cao', 0.4], ['Tạ', 0.3], ['Lại', 0.3], ['Hà', 0.5], ['Quách', 0.2], ['Tống', 0.3],
];
const MIDDLE = {
  male: ['Văn', 'Văn', 'Văn', 'Đức', 'Minh', 'Hữu', 'Quang', 'Công', 'Xuân', 'Ngọc', 'Thanh', 'Đình', 'Trọng', 'Anh'],
  female: ['Thị', 'Thị', 'Thị', 'Thị', 'Ngọc', 'Thu', 'Thanh', 'Minh', 'Kim', 'Hồng', 'Phương', 'Bảo'],
};
const GIVEN = {
  male: ['An', 'Bình', 'Cường', 'Dũng', 'Đạt', 'Đức', 'Hải', 'Hiếu', 'Hòa', 'Hùng', 'Huy', 'Khang', 'Khánh', 'Kiên', 'Long', 'Lâm', 'Mạnh', 'Minh', 'Nam', 'Nghĩa', 'Phong', 'Phúc', 'Quân', 'Quang', 'Sơn', 'Tài', 'Thắng', 'Thành', 'Tiến', 'Toàn', 'Trung', 'Tuấn', 'Tùng', 'Việt', 'Vinh'],
  female: ['Anh', 'Châu', 'Chi', 'Dung', 'Giang', 'Hà', 'Hạnh', 'Hằng', 'Hiền', 'Hoa', 'Hồng', 'Huệ', 'Hương', 'Lan', 'Liên', 'Linh', 'Loan', 'Mai', 'My', 'Nga', 'Ngân', 'Nhung', 'Oanh', 'Phương', 'Quỳnh', 'Tâm', 'Thảo', 'Thu', 'Thủy', 'Trang', 'Tuyết', 'Vân', 'Yến'],
};

export function familyName(random: Random): string {
  return random.weighted(FAMILY);
}

/** A full name, family name first. */
export function fullName(random: Random, family: string, sex: 'male' | 'female'): string {
  return `${family} ${random.pick(MIDDLE[sex])} ${random.pick(GIVEN[sex])}`;
}

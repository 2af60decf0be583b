/**
 * What brings people to a commune station, by age: ICD-10 code, the symptoms written in column 9,
 * the treatment in column 11, the specialty, and a relative frequency. Synthetic but plausible.
 */
export interface Complaint {
  code: string;
  symptoms: string;
  treatment: string;
  specialty: string;
  weight: number;
  sex?: 'male' | 'female';
}

export const CHILD_COMPLAINTS: readonly Complaint[] = [
  { code: 'J00', symptoms: 'Sổ mũi, hắt hơi, sốt nhẹ', treatment: 'Vệ sinh mũi, hạ sốt khi trên 38,5 °C', specialty: 'nhi', weight: 30 },
  { code: 'J02', symptoms: 'Sốt, đau họng', treatment: 'Hạ sốt, súc họng nước muối', specialty: 'nhi', weight: 12 },
  { code: 'J06', symptoms: 'Ho, sổ mũi, sốt', treatment: 'Hạ sốt, theo dõi dấu hiệu khó thở', specialty: 'nhi', weight: 14 },
  { code: 'J20', symptoms: 'Ho có đờm, khò khè', treatment: 'Kháng sinh 5 ngày, hẹn khám lại', specialty: 'nhi', weight: 8 },
  { code: 'A09', symptoms: 'Tiêu chảy, nôn', treatment: 'Oresol, kẽm 10 ngày', specialty: 'nhi', weight: 9 },
  { code: 'B08.4', symptoms: 'Sốt, loét miệng, bóng nước tay chân', treatment: 'Hạ sốt, cách ly, dặn dấu hiệu nặng', specialty: 'nhi', weight: 3 },
  { code: 'H10', symptoms: 'Đỏ mắt, nhiều ghèn', treatment: 'Nhỏ mắt kháng sinh', specialty: 'mat', weight: 4 },
  { code: 'K02', symptoms: 'Đau răng', treatment: 'Trám răng, hướng dẫn chải răng', specialty: 'rhm', weight: 5 },
  { code: 'L01', symptoms: 'Mụn mủ, vảy vàng trên da', treatment: 'Sát khuẩn, mỡ kháng sinh', specialty: 'da-lieu', weight: 3 },
  { code: 'Z00.1', symptoms: 'Khám sức khỏe định kỳ', treatment: 'Tư vấn dinh dưỡng', specialty: 'nhi', weight: 10 },
];

export const ADULT_COMPLAINTS: readonly Complaint[] = [
  { code: 'J00', symptoms: 'Sổ mũi, đau họng, mệt', treatment: 'Paracetamol, nghỉ ngơi', specialty: 'noi', weight: 16 },
  { code: 'J02', symptoms: 'Đau họng, sốt', treatment: 'Súc họng, hạ sốt', specialty: 'noi', weight: 8 },
  { code: 'J20', symptoms: 'Ho kéo dài, có đờm', treatment: 'Kháng sinh 5 ngày', specialty: 'noi', weight: 6 },
  { code: 'K29', symptoms: 'Đau thượng vị, ợ chua', treatment: 'Thuốc giảm tiết acid 4 tuần', specialty: 'noi', weight: 8 },
  { code: 'M54.5', symptoms: 'Đau thắt lưng', treatment: 'Giảm đau, chườm nóng', specialty: 'yhct', weight: 8 },
  { code: 'M25.5', symptoms: 'Đau vai gáy', treatment: 'Giảm đau, xoa bóp bấm huyệt', specialty: 'yhct', weight: 7 },
  { code: 'G44.2', symptoms: 'Đau đầu, mất ngủ', treatment: 'Giảm đau, tư vấn nghỉ ngơi', specialty: 'noi', weight: 4 },
  { code: 'L20', symptoms: 'Ngứa, ban đỏ', treatment: 'Kem dưỡng ẩm, kháng histamin', specialty: 'da-lieu', weight: 4 },
  { code: 'K02', symptoms: 'Đau răng', treatment: 'Trám răng', specialty: 'rhm', weight: 5 },
  { code: 'H10', symptoms: 'Đỏ mắt, cộm mắt', treatment: 'Nhỏ mắt', specialty: 'mat', weight: 3 },
  { code: 'T14.1', symptoms: 'Vết thương do lao động', treatment: 'Rửa, khâu vết thương, tiêm phòng uốn ván', specialty: 'ngoai', weight: 4 },
  { code: 'S93.4', symptoms: 'Sưng đau cổ chân sau ngã', treatment: 'Băng ép, giảm đau', specialty: 'ngoai', weight: 2 },
  { code: 'N39.0', symptoms: 'Tiểu buốt, tiểu rắt', treatment: 'Kháng sinh 7 ngày', specialty: 'noi', weight: 3, sex: 'female' },
  { code: 'Z34', symptoms: 'Khám thai định kỳ', treatment: 'Viên sắt, acid folic; hẹn khám thai', specialty: 'san', weight: 5, sex: 'female' },
  { code: 'Z30', symptoms: 'Tư vấn kế hoạch hóa gia đình', treatment: 'Tư vấn biện pháp tránh thai', specialty: 'san', weight: 3, sex: 'female' },
  { code: 'N76', symptoms: 'Khí hư, ngứa', treatment: 'Thuốc đặt âm đạo 7 ngày', specialty: 'san', weight: 3, sex: 'female' },
];

export const ELDERLY_COMPLAINTS: readonly Complaint[] = [
  { code: 'M17', symptoms: 'Đau khớp gối khi đi lại', treatment: 'Giảm đau, vật lý trị liệu', specialty: 'yhct', weight: 10 },
  { code: 'M47', symptoms: 'Đau cột sống, tê tay', treatment: 'Giảm đau, châm cứu', specialty: 'yhct', weight: 7 },
  { code: 'J44', symptoms: 'Khó thở, ho khạc đờm', treatment: 'Thuốc giãn phế quản, chuyển tuyến khi nặng', specialty: 'noi', weight: 5 },
  { code: 'J20', symptoms: 'Ho, sốt nhẹ', treatment: 'Kháng sinh 5 ngày', specialty: 'noi', weight: 6 },
  { code: 'I25', symptoms: 'Tức ngực khi gắng sức', treatment: 'Duy trì thuốc, chuyển tuyến khám chuyên khoa', specialty: 'noi', weight: 3 },
  { code: 'H25', symptoms: 'Nhìn mờ dần', treatment: 'Chuyển tuyến phẫu thuật đục thủy tinh thể', specialty: 'mat', weight: 4 },
  { code: 'R42', symptoms: 'Chóng mặt', treatment: 'Nghỉ ngơi, theo dõi huyết áp', specialty: 'noi', weight: 4 },
  { code: 'K29', symptoms: 'Đau bụng, đầy hơi', treatment: 'Thuốc giảm tiết acid', specialty: 'noi', weight: 4 },
  { code: 'I69', symptoms: 'Yếu nửa người sau đột quỵ', treatment: 'Phục hồi chức năng, châm cứu', specialty: 'yhct', weight: 2 },
  { code: 'N40', symptoms: 'Tiểu đêm, tiểu khó', treatment: 'Thuốc giãn cơ trơn tiền liệt tuyến', specialty: 'noi', weight: 3, sex: 'male' },
  { code: 'M81', symptoms: 'Đau lưng, còng lưng', treatment: 'Canxi, vitamin D', specialty: 'noi', weight: 3, sex: 'female' },
];

/** Chronic diseases the station follows up monthly or quarterly. */
export const CHRONIC: Record<'I10' | 'E11', Complaint> = {
  I10: { code: 'I10', symptoms: 'Khám định kỳ tăng huyết áp', treatment: 'Amlodipin 5 mg/ngày, hẹn tái khám', specialty: 'noi', weight: 1 },
  E11: { code: 'E11', symptoms: 'Khám định kỳ đái tháo đường', treatment: 'Metformin 850 mg × 2/ngày, hẹn tái khám', specialty: 'noi', weight: 1 },
};

/** Reasons for a remote consultation, all on the Circular 30/2023 list. */
export const REMOTE_COMPLAINTS: readonly Complaint[] = [
  { code: 'J00', symptoms: 'Sổ mũi, hắt hơi (tư vấn từ xa)', treatment: 'Tư vấn chăm sóc tại nhà', specialty: 'noi', weight: 30 },
  { code: 'J31.1', symptoms: 'Ngạt mũi kéo dài', treatment: 'Xịt rửa mũi, hẹn khám trực tiếp nếu không đỡ', specialty: 'tmh', weight: 15 },
  { code: 'M25.5', symptoms: 'Đau vai gáy', treatment: 'Hướng dẫn bài tập, giảm đau', specialty: 'yhct', weight: 20 },
  { code: 'E66', symptoms: 'Tư vấn giảm cân', treatment: 'Chế độ ăn, vận động', specialty: 'noi', weight: 10 },
  { code: 'K12.0', symptoms: 'Loét miệng', treatment: 'Súc miệng, bôi thuốc', specialty: 'rhm', weight: 8 },
  { code: 'K06.9', symptoms: 'Sưng lợi khi mọc răng', treatment: 'Vệ sinh răng miệng', specialty: 'rhm', weight: 5 },
  { code: 'K14.1', symptoms: 'Lưỡi có mảng', treatment: 'Theo dõi, vệ sinh răng miệng', specialty: 'rhm', weight: 2 },
];

/** The station's staff (synthetic names), who examine and record. */
export const STAFF: readonly { name: string; title: string; licence: string }[] = [
  { name: 'Lê Văn Thành', title: 'Bác sĩ, trưởng trạm', licence: '000001/TH-CCHN' },
  { name: 'Nguyễn Thị Lan', title: 'Y sĩ đa khoa', licence: '000002/TH-CCHN' },
  { name: 'Trịnh Văn Hùng', title: 'Y sĩ y học cổ truyền', licence: '000003/TH-CCHN' },
  { name: 'Phạm Thị Thu', title: 'Nữ hộ sinh', licence: '000004/TH-CCHN' },
  { name: 'Hoàng Thị Yến', title: 'Điều dưỡng', licence: '000005/TH-CCHN' },
];

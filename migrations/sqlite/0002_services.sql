-- The twelve services of PRODUCT.md §3; communes can rename, retire or add services later.
INSERT INTO services (code, name, short_name, sort_order, active) VALUES
 ('vneid', 'Tài khoản VNeID mức 2', 'VNeID', 1, 1),
 ('province_app', 'Cài đặt, sử dụng Tây Ninh Smart', 'Tây Ninh Smart', 2, 1),
 ('digital_skills', 'Phổ cập kỹ năng số trên VNeID (Bình dân học vụ số)', 'Kỹ năng số', 3, 1),
 ('public_services', 'Tài khoản Cổng Dịch vụ công quốc gia', 'Dịch vụ công', 4, 1),
 ('cashless', 'Tài khoản thanh toán không dùng tiền mặt', 'Không tiền mặt', 5, 1),
 ('email', 'Tạo địa chỉ email', 'Email', 6, 1),
 ('vssid', 'VssID (Bảo hiểm xã hội số)', 'VssID', 7, 1),
 ('health_book', 'Sổ sức khỏe điện tử', 'Sổ sức khỏe', 8, 1),
 ('ecommerce', 'Gian hàng trên sàn thương mại điện tử', 'Gian hàng TMĐT', 9, 1),
 ('scam_awareness', 'Nhận diện lừa đảo, bảo vệ dữ liệu cá nhân', 'Chống lừa đảo', 10, 1),
 ('digital_signature', 'Chữ ký số cá nhân', 'Chữ ký số', 11, 1),
 ('zalo_group', 'Tham gia nhóm Zalo của ấp', 'Nhóm Zalo ấp', 12, 1);

//! The demo's guides (issue 20): a starter set of the province for the twelve services, each a
//! sample to be checked against the real apps before use (their steps change), with drawn
//! pictures for the VNeID guide's steps; and one guide of the commune's own. Written through the
//! same functions as the Cẩm nang pages.

use super::calendar::{Calendar, iso};
use crate::db::Db;
use crate::db::guides::{self as store, Fields};
use crate::error::Result;

/// Service, title, steps, tips, common mistakes.
type Starter = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static str,
    &'static str,
);

const STARTERS: [Starter; 12] = [
    (
        "vneid",
        "Kích hoạt tài khoản định danh điện tử VNeID mức 2",
        &[
            "Tải ứng dụng VNeID từ CH Play hoặc App Store (nhà phát hành: Trung tâm dữ liệu quốc gia về dân cư).",
            "Mở ứng dụng, chọn «Kích hoạt tài khoản định danh điện tử».",
            "Quét mã QR trên thẻ căn cước, nhập số điện thoại chính chủ và email (nếu có).",
            "Nhập mã OTP gửi về điện thoại, rồi đặt mật khẩu 8–20 ký tự và mã PIN 6 số.",
            "Đăng nhập lại bằng số định danh và mật khẩu vừa đặt; kiểm tra mục «Thông tin cá nhân».",
        ],
        "Số điện thoại phải đúng chủ thẻ căn cước; nếu chưa có tài khoản mức 2, hướng dẫn người dân đến Công an xã để được cấp.",
        "Nhập nhầm mật khẩu nhiều lần làm khóa tài khoản tạm thời.\nQuên mã PIN: chọn «Quên mã PIN», không cài lại ứng dụng.",
    ),
    (
        "province_app",
        "Cài đặt và đăng nhập ứng dụng Tây Ninh Smart",
        &[
            "Tải ứng dụng Tây Ninh Smart từ CH Play hoặc App Store.",
            "Chọn «Đăng nhập bằng VNeID» để dùng tài khoản định danh đã có.",
            "Cho phép ứng dụng gửi thông báo để nhận tin của tỉnh, xã.",
            "Thử một tính năng: phản ánh hiện trường hoặc tra cứu hồ sơ.",
        ],
        "Đăng nhập bằng VNeID giúp người dân không phải nhớ thêm mật khẩu.",
        "Tải nhầm ứng dụng giả mạo: kiểm tra đúng tên nhà phát hành của tỉnh.",
    ),
    (
        "digital_skills",
        "Học «Bình dân học vụ số» trên VNeID",
        &[
            "Mở VNeID, đăng nhập tài khoản mức 2.",
            "Chọn mục «Bình dân học vụ số» (hoặc vào binhdanhocvuso.gov.vn).",
            "Chọn khóa học kỹ năng số cơ bản, xem từng bài theo thứ tự.",
            "Làm bài kiểm tra cuối khóa để được cấp chứng nhận.",
        ],
        "Mỗi bài ngắn, có thể học vài bài mỗi ngày; học ở nhà văn hóa ấp có Tổ hỗ trợ.",
        "Thoát giữa chừng bài kiểm tra thì phải làm lại từ đầu.",
    ),
    (
        "public_services",
        "Đăng nhập Cổng Dịch vụ công quốc gia bằng VNeID",
        &[
            "Vào dichvucong.gov.vn trên điện thoại hoặc máy tính.",
            "Chọn «Đăng nhập», rồi «Tài khoản định danh điện tử».",
            "Nhập số định danh và mật khẩu VNeID, xác nhận trên ứng dụng VNeID.",
            "Tìm thủ tục cần làm, điền tờ khai và nộp hồ sơ trực tuyến.",
        ],
        "Chuẩn bị sẵn ảnh chụp giấy tờ cần nộp trước khi bắt đầu.",
        "Nộp trùng hồ sơ nhiều lần vì tưởng chưa gửi: xem lại mục «Quản lý hồ sơ».",
    ),
    (
        "cashless",
        "Mở tài khoản ngân hàng và thanh toán bằng mã QR",
        &[
            "Tải ứng dụng ngân hàng người dân chọn (hoặc đến điểm giao dịch gần nhất).",
            "Mở tài khoản bằng căn cước: chụp hai mặt thẻ và khuôn mặt theo hướng dẫn.",
            "Đặt mật khẩu đăng nhập và mã xác thực giao dịch.",
            "Thử quét mã QR để chuyển một khoản nhỏ cho người thân.",
        ],
        "Chỉ chuyển tiền khi đã kiểm tra đúng tên người nhận hiện trên màn hình.",
        "Đưa mã OTP cho người khác: ngân hàng không bao giờ hỏi mã OTP.",
    ),
    (
        "email",
        "Tạo địa chỉ email",
        &[
            "Mở ứng dụng Gmail (có sẵn trên điện thoại Android) hoặc trang tạo tài khoản.",
            "Chọn «Tạo tài khoản», nhập họ tên, ngày sinh.",
            "Chọn địa chỉ email dễ nhớ, đặt mật khẩu mạnh.",
            "Thêm số điện thoại để lấy lại mật khẩu khi quên.",
        ],
        "Ghi địa chỉ email vào sổ tay cho người lớn tuổi.",
        "Dùng mật khẩu là ngày sinh: dễ bị đoán.",
    ),
    (
        "vssid",
        "Cài đặt VssID — Bảo hiểm xã hội số",
        &[
            "Tải ứng dụng VssID từ CH Play hoặc App Store.",
            "Chọn «Đăng nhập bằng VNeID».",
            "Xem thẻ bảo hiểm y tế trên ứng dụng, dùng khi đi khám bệnh.",
        ],
        "Thẻ BHYT trên VssID dùng thay thẻ giấy tại cơ sở khám chữa bệnh.",
        "Chưa cập nhật số định danh cá nhân vào hồ sơ bảo hiểm: liên hệ BHXH.",
    ),
    (
        "health_book",
        "Xem Sổ sức khỏe điện tử trên VNeID",
        &[
            "Mở VNeID, đăng nhập tài khoản mức 2.",
            "Chọn «Sổ sức khỏe điện tử».",
            "Xem lịch sử khám, tiêm chủng; kiểm tra thông tin đúng chưa.",
        ],
        "Cho người dân xem lại lần khám gần nhất để quen tính năng.",
        "Thông tin sai: báo trạm y tế xã để cập nhật.",
    ),
    (
        "ecommerce",
        "Mở gian hàng trên sàn thương mại điện tử (voso.vn, postmart.vn)",
        &[
            "Vào voso.vn hoặc postmart.vn, chọn «Đăng ký bán hàng».",
            "Nhập thông tin hộ kinh doanh, số điện thoại, địa chỉ lấy hàng.",
            "Chụp ảnh sản phẩm rõ nét, viết tên và giá.",
            "Đăng sản phẩm, chờ sàn duyệt.",
            "Nhận đơn và giao hàng qua bưu điện.",
        ],
        "Bưu điện xã hỗ trợ chụp ảnh sản phẩm và nhận hàng tận nhà.",
        "Ảnh tối, mờ làm ít người mua; ghi giá chưa gồm phí vận chuyển gây hiểu lầm.",
    ),
    (
        "scam_awareness",
        "Nhận diện lừa đảo qua điện thoại và mạng",
        &[
            "Không làm theo cuộc gọi tự xưng công an, ngân hàng yêu cầu chuyển tiền.",
            "Không bấm đường link lạ gửi qua tin nhắn, Zalo, Facebook.",
            "Không cung cấp mã OTP, mật khẩu cho bất kỳ ai.",
            "Nghi ngờ lừa đảo: gọi Công an xã hoặc người thân để hỏi lại.",
        ],
        "Cơ quan nhà nước không gọi điện yêu cầu chuyển tiền hay cài ứng dụng.",
        "Cài ứng dụng «dịch vụ công» giả qua đường link: chỉ tải từ CH Play, App Store.",
    ),
    (
        "digital_signature",
        "Đăng ký chữ ký số cá nhân",
        &[
            "Chọn nhà cung cấp chữ ký số (VNPT, Viettel, MobiFone…).",
            "Đăng ký trên ứng dụng của nhà cung cấp bằng căn cước.",
            "Xác thực khuôn mặt, nhận chữ ký số trên điện thoại.",
            "Dùng chữ ký số để ký hồ sơ trên Cổng Dịch vụ công.",
        ],
        "Chữ ký số từ xa trên điện thoại không cần thiết bị USB.",
        "Để người khác giữ điện thoại đã cài chữ ký số.",
    ),
    (
        "zalo_group",
        "Tham gia nhóm Zalo của ấp",
        &[
            "Mở Zalo, chọn biểu tượng quét mã QR.",
            "Quét mã QR nhóm do trưởng ấp hoặc Tổ CNSCĐ đưa.",
            "Chọn «Tham gia nhóm»; đọc nội quy nhóm.",
        ],
        "Ghim nhóm ấp lên đầu để không bỏ lỡ thông báo.",
        "Chia sẻ tin chưa kiểm chứng trong nhóm.",
    ),
];

/// A drawn picture of a phone screen for a step: a header bar, a highlighted button where the
/// step's action is, and `n` dots for the step's number (no text to rasterise).
fn screen(n: usize, colour: [u8; 3]) -> Vec<u8> {
    let (w, h) = (360u32, 640u32);
    let button_top = 180 + (n as u32 % 5) * 70;
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let edge = x < 12 || x >= w - 12 || y < 12 || y >= h - 12;
        let header = y < 90;
        let button = (40..320).contains(&x) && (button_top..button_top + 56).contains(&y);
        let dot = (0..n as u32).any(|i| {
            let cx = 50 + i * 36;
            let (dx, dy) = (x as i64 - cx as i64, y as i64 - 50);
            dx * dx + dy * dy < 144
        });
        if edge {
            image::Rgb([40, 40, 40])
        } else if dot {
            image::Rgb([255, 255, 255])
        } else if header || button {
            image::Rgb(colour)
        } else if y % 60 < 4 && (40..320).contains(&x) {
            image::Rgb([220, 224, 228])
        } else {
            image::Rgb([250, 250, 250])
        }
    });
    let mut png = Vec::new();
    // A drawn picture always encodes.
    let _ = image::DynamicImage::ImageRgb8(img)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png);
    png
}

pub async fn write(db: &Db, commune: i64, cal: &Calendar) -> Result<()> {
    let admin = db
        .scalar_i64(
            "SELECT COALESCE(MIN(id), 0) FROM accounts WHERE commune_id = $1 AND role = 'commune_admin'",
            &[commune.into()],
        )
        .await?;
    let province_has = db
        .scalar_i64("SELECT COUNT(*) FROM guides WHERE commune_id IS NULL", &[])
        .await?;
    let mut tx = db.begin_write().await?;
    // The province's starter set once, whichever commune is seeded first.
    if province_has == 0 {
        for (service, title, steps, tips, mistakes) in STARTERS {
            let steps: Vec<String> = steps.iter().map(|s| s.to_string()).collect();
            let id = store::add(
                &mut tx,
                None,
                None,
                &Fields {
                    service_code: Some(service),
                    topic: None,
                    title,
                    steps: &steps,
                    tips: Some(tips),
                    mistakes: Some(mistakes),
                    checked_on: None,
                    sample: true,
                },
            )
            .await?;
            if service == "vneid" {
                for n in 1..=steps.len() {
                    let p = crate::guides::shrink_picture(&screen(n, [0xb3, 0x26, 0x1e]))?;
                    store::set_picture(&mut tx, id, n as i64, Some(&p.jpeg)).await?;
                }
            } else {
                let p = crate::guides::shrink_picture(&screen(1, [0x0b, 0x5c, 0xad]))?;
                store::set_picture(&mut tx, id, 1, Some(&p.jpeg)).await?;
            }
        }
    }
    // The commune's own: how its teams run the course at the cultural house, checked a month ago.
    let checked = iso(cal.today - chrono::Days::new(30));
    let steps: Vec<String> = [
        "Hẹn người dân đến nhà văn hóa ấp vào tối thứ Bảy, mang theo điện thoại và căn cước.",
        "Kiểm tra người dân đã có tài khoản VNeID mức 2 (nếu chưa: hướng dẫn kích hoạt trước).",
        "Mở «Bình dân học vụ số» trên VNeID, học cùng nhau bài 1 và bài 2.",
        "Ghi buổi học vào ứng dụng thực địa: loại «Sinh hoạt tại nhà văn hóa».",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    store::add(
        &mut tx,
        Some(commune),
        (admin > 0).then_some(admin),
        &Fields {
            service_code: Some("digital_skills"),
            topic: None,
            title: "Tổ chức học Bình dân học vụ số tại nhà văn hóa ấp",
            steps: &steps,
            tips: Some("Mỗi buổi 2 thành viên Tổ hỗ trợ khoảng 10 người dân."),
            mistakes: None,
            checked_on: Some(&checked),
            sample: false,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

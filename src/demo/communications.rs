//! The demo's communications (tuyên truyền) from January to today, as the plan's section IV.4
//! has them: the commune's loudspeakers every month, news on the commune's website, Zalo OA and
//! Facebook page, a short video each quarter, and the hamlets' own loudspeakers now and then.
//! Written through the same function as the communications page.

use super::calendar::{Calendar, iso};
use super::writers;
use crate::db::Db;
use crate::db::communications::{self, NewCommunication};
use crate::error::Result;
use crate::indicators::period::{self, Month};
use chrono::Datelike;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// What the commune talks about, in the plan's words; a month takes the next ones in turn.
const TOPICS: &[&str] = &[
    "Hướng dẫn cài đặt, sử dụng ứng dụng Tây Ninh Smart",
    "Kích hoạt tài khoản định danh điện tử VNeID mức độ 2",
    "Phong trào “Bình dân học vụ số”: học kỹ năng số trên binhdanhocvuso.gov.vn",
    "Nộp hồ sơ trực tuyến trên Cổng Dịch vụ công: đăng ký khai sinh, xác nhận tình trạng hôn nhân",
    "Thanh toán không dùng tiền mặt khi mua bán, đóng tiền điện, nước, học phí",
    "Cảnh giác với thủ đoạn lừa đảo qua điện thoại, mạng xã hội",
    "Bảo vệ dữ liệu cá nhân trên môi trường số",
    "Phản ánh, kiến nghị qua Cổng thông tin 1022 trên ứng dụng Tây Ninh Smart",
    "Sổ sức khỏe điện tử và đặt lịch khám bệnh trên VNeID",
    "Tra cứu quá trình đóng bảo hiểm xã hội trên ứng dụng VssID",
    "Đưa nông sản lên sàn thương mại điện tử postmart.vn, voso.vn",
    "Tạo hộp thư điện tử (email) để giao dịch trên Internet",
];

const DX_DAY: &str = "Hưởng ứng Ngày Chuyển đổi số quốc gia 10/10";

const VIDEOS: &[&str] = &[
    "Phóng sự: Tổ công nghệ số cộng đồng đi từng ngõ, gõ từng nhà",
    "Video hướng dẫn cài đặt ứng dụng Tây Ninh Smart",
    "Video: nhận diện cuộc gọi lừa đảo giả danh cơ quan công an",
    "Phóng sự: một ngày hỗ trợ người dân tại nhà văn hóa ấp",
];

/// The seed of the communications' generator (they do not depend on the commune's seed).
const SEED: u64 = 0xC0_2026;

fn topic(m: Month, k: usize) -> &'static str {
    if period::month_number(m) == 10 && k == 0 {
        return DX_DAY;
    }
    TOPICS[(m as usize * 3 + k) % TOPICS.len()]
}

/// "Hướng dẫn …" → "hướng dẫn …", leaving names such as "Tây Ninh Smart" as they are.
pub(super) fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}

pub(super) async fn write(db: &Db, commune_id: i64, cal: &Calendar) -> Result<()> {
    let w = writers::of(db, commune_id).await?;
    let mut rng = StdRng::seed_from_u64(SEED);
    let mut tx = db.begin_write().await?;
    for m in cal.months() {
        let len = period::last_day(m).day();
        // (hamlet, channel, title, day, times)
        let mut planned: Vec<(Option<&writers::Hamlet>, &str, String, u32, i64)> = vec![
            (
                None,
                "loudspeaker",
                topic(m, 0).into(),
                3,
                rng.gen_range(6..=12),
            ),
            (
                None,
                "loudspeaker",
                topic(m, 1).into(),
                17,
                rng.gen_range(6..=12),
            ),
            (
                None,
                "portal",
                topic(m, 0).into(),
                rng.gen_range(1..=len),
                1,
            ),
            (None, "zalo", topic(m, 1).into(), rng.gen_range(1..=len), 1),
            (None, "zalo", topic(m, 2).into(), rng.gen_range(1..=len), 1),
            (
                None,
                "facebook",
                topic(m, 2).into(),
                rng.gen_range(1..=len),
                1,
            ),
        ];
        if period::month_number(m) % 3 == 2 {
            let video = VIDEOS[(m as usize / 3) % VIDEOS.len()];
            planned.push((None, "video", video.into(), rng.gen_range(1..=len), 1));
        }
        for h in &w.hamlets {
            if rng.gen_bool(0.4) {
                planned.push((
                    Some(h),
                    "loudspeaker",
                    format!("Loa truyền thanh {}: {}", h.name, lower_first(topic(m, 3))),
                    rng.gen_range(1..=len),
                    rng.gen_range(2..=4),
                ));
            }
        }
        for (hamlet, channel, title, day, times) in planned {
            let date = Calendar::day_of(m, day);
            if !cal.has_come(date) {
                continue;
            }
            communications::insert(
                &mut tx,
                commune_id,
                &NewCommunication {
                    hamlet_id: hamlet.map(|h| h.id),
                    channel,
                    title: &title,
                    date: &iso(date),
                    times,
                },
                hamlet.map_or(w.admin, |h| h.head),
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

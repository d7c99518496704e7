//! The commune's yearly plan: the seed's appendix as the default template, and task statuses.

/// One task of the template: quarter, content, unit in charge, expected results.
pub struct TemplateTask {
    pub quarter: i64,
    pub content: &'static str,
    pub unit_in_charge: &'static str,
    pub expected_results: &'static str,
}

const Q1_UNIT: &str =
    "Tổ công nghệ số cộng đồng phối hợp với Phòng Văn hóa và các tổ chức chính trị - xã hội";
const Q1_RESULTS: &str = "100% Tổ CNSCĐ được kiện toàn; 100% ấp có Nhóm Zalo hoạt động.";
const Q2_UNIT: &str = "Tổ công nghệ số cộng đồng phối hợp với Phòng Văn hóa, Công an và các tổ chức chính trị - xã hội";
const Q2_RESULTS: &str = "Tối thiểu 80% người dân trưởng thành được hướng dẫn trực tiếp; 100% hộ gia đình có ít nhất 01 người cài đặt Tây Ninh Smart.";
const Q3_UNIT: &str = "Tổ công nghệ số cộng đồng phối hợp với ngành Công an và Phòng Kinh tế";
const Q3_RESULTS: &str = "Tối thiểu 85% người dân trưởng thành đạt phổ cập kỹ năng số; 100% Tổ CNSCĐ tổ chức ít nhất 01 buổi tuyên truyền về an toàn thông tin.";
const Q4_UNIT: &str = "Tổ công nghệ số cộng đồng phối hợp với Phòng Văn hóa - Xã hội";
const Q4_RESULTS: &str = "100% Tổ CNSCĐ có báo cáo đánh giá cuối năm; ít nhất 01 mô hình, cách làm hay được đề xuất nhân rộng.";

const fn task(
    quarter: i64,
    content: &'static str,
    unit_in_charge: &'static str,
    expected_results: &'static str,
) -> TemplateTask {
    TemplateTask {
        quarter,
        content,
        unit_in_charge,
        expected_results,
    }
}

/// "Phân công nhiệm vụ theo quý cho các Tổ công nghệ số cộng đồng" (the seed's appendix).
pub const TEMPLATE_TASKS: &[TemplateTask] = &[
    task(
        1,
        "Rà soát, kiện toàn thành viên Tổ CNSCĐ tại ấp.",
        Q1_UNIT,
        Q1_RESULTS,
    ),
    task(
        1,
        "Thành lập, duy trì Nhóm Zalo Tổ CNSCĐ ấp.",
        Q1_UNIT,
        Q1_RESULTS,
    ),
    task(
        1,
        "Tuyên truyền chủ trương, chính sách về chuyển đổi số, phong trào “Bình dân học vụ số”.",
        Q1_UNIT,
        Q1_RESULTS,
    ),
    task(
        1,
        "Khảo sát, lập danh sách người dân chưa có điện thoại thông minh, chưa sử dụng nền tảng số.",
        Q1_UNIT,
        Q1_RESULTS,
    ),
    task(
        2,
        "Tổ chức các đợt ra quân hướng dẫn người dân cài đặt, sử dụng VNeID, Tây Ninh Smart.",
        Q2_UNIT,
        Q2_RESULTS,
    ),
    task(
        2,
        "Hướng dẫn đăng ký, sử dụng dịch vụ công trực tuyến mức độ 3, 4.",
        Q2_UNIT,
        Q2_RESULTS,
    ),
    task(
        2,
        "Hỗ trợ người dân thực hiện thanh toán không dùng tiền mặt.",
        Q2_UNIT,
        Q2_RESULTS,
    ),
    task(
        2,
        "Phối hợp đoàn thể tuyên truyền theo từng nhóm đối tượng.",
        Q2_UNIT,
        Q2_RESULTS,
    ),
    task(
        3,
        "Hướng dẫn hộ kinh doanh, người dân đưa sản phẩm lên sàn thương mại điện tử.",
        Q3_UNIT,
        Q3_RESULTS,
    ),
    task(
        3,
        "Tuyên truyền, hướng dẫn kỹ năng nhận diện lừa đảo, bảo vệ dữ liệu cá nhân.",
        Q3_UNIT,
        Q3_RESULTS,
    ),
    task(
        3,
        "Rà soát, cập nhật kết quả phổ cập kỹ năng số trên nền tảng VNeID.",
        Q3_UNIT,
        Q3_RESULTS,
    ),
    task(
        4,
        "Tổ chức hoạt động hưởng ứng Ngày Chuyển đổi số quốc gia (10/10).",
        Q4_UNIT,
        Q4_RESULTS,
    ),
    task(
        4,
        "Tổng hợp kết quả hoạt động của Tổ CNSCĐ trong năm.",
        Q4_UNIT,
        Q4_RESULTS,
    ),
    task(
        4,
        "Bình xét, đề xuất khen thưởng Tổ CNSCĐ, cá nhân tiêu biểu.",
        Q4_UNIT,
        Q4_RESULTS,
    ),
    task(
        4,
        "Đề xuất phương hướng, nhiệm vụ năm tiếp theo.",
        Q4_UNIT,
        Q4_RESULTS,
    ),
];

/// The plan's specific goals (the seed's section I.2).
pub const GENERAL_GOALS: &str = "100% người dân trưởng thành (từ 15 tuổi trở lên) có kiến thức cơ bản về chuyển đổi số, có kỹ năng số, sử dụng tốt thiết bị thông minh để khai thác thông tin, sử dụng nền tảng, dịch vụ số thiết yếu, tham gia tương tác, an toàn trên môi trường số.
Có 60% người dân trong độ tuổi trưởng thành được xác nhận đạt phổ cập kiến thức về chuyển đổi số, kỹ năng số trên nền tảng VNeID.
100% người dân trưởng thành cài đặt, sử dụng ứng dụng “Tây Ninh Smart”.
Tổ chức các đợt ra quân cao điểm, phong trào “Bình dân học vụ số” để hướng dẫn trực tiếp cho người dân tại nhà hoặc tại các điểm sinh hoạt cộng đồng.";

pub fn title(year: i64) -> String {
    format!("Kế hoạch hoạt động Tổ công nghệ số cộng đồng năm {year}")
}

pub const TASK_STATUSES: [(&str, &str); 3] = [
    ("not_started", "Chưa thực hiện"),
    ("in_progress", "Đang thực hiện"),
    ("done", "Đã hoàn thành"),
];

pub fn status_label(code: &str) -> &'static str {
    TASK_STATUSES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("", |(_, l)| l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_covers_four_quarters_as_the_appendix() {
        for q in 1..=4 {
            assert!(TEMPLATE_TASKS.iter().filter(|t| t.quarter == q).count() >= 3);
        }
        assert_eq!(TEMPLATE_TASKS.len(), 15);
        assert!(
            TEMPLATE_TASKS
                .iter()
                .any(|t| t.content.contains("Ngày Chuyển đổi số quốc gia (10/10)"))
        );
        assert_eq!(status_label("in_progress"), "Đang thực hiện");
        assert_eq!(status_label("x"), "");
    }
}

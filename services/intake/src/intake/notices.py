"""The pre-litigation mediation notice (诉前调解告知书): a template per dispute type, as HTML and PDF."""

from __future__ import annotations

from dataclasses import dataclass

from courtlink_shared.clock import SHANGHAI
from courtlink_shared.documents import CourtDocument, render_html, render_pdf

from intake.models import Dispute

# What each template says about the kind of dispute, after the common opening.
_SUBJECT = {
    "credit_card": "因信用卡透支本息偿还发生纠纷",
    "loan": "因借款本息偿还发生纠纷",
    "guarantee": "因保证责任承担发生纠纷",
    "financial_leasing": "因融资租赁租金支付发生纠纷",
    "bank_card": "因银行卡使用及账户资金发生纠纷",
    "deposit": "因储蓄存款本息支付发生纠纷",
    "general": "发生金融纠纷",
}
_SPECIFIC = {
    "credit_card": "调解中，双方可就分期还款、减免部分利息、违约金及费用等事项协商；"
    "持卡人确有困难的，可说明收入变化等情况。",
    "loan": "调解中，双方可就还款期限、分期方案、利息及罚息的计算方式等事项协商；"
    "涉及抵押、质押的，可一并协商处置方式。",
    "guarantee": "调解中，保证人可就保证范围、保证期间及其与主债务人之间的责任承担等事项陈述意见，并与债权人协商。",
    "financial_leasing": "调解中，双方可就欠付租金、租赁物的取回与处置、留购价款等事项协商。",
    "bank_card": "调解中，双方可就银行卡交易的真实性、账户资金的损失与返还、欠款（如有）及相关费用等事项协商；"
    "涉及未经授权交易的，可提供交易记录、报警回执等材料说明情况。",
    "deposit": "调解中，双方可就存款本金及利息的支付、存单或账户记录的核对等事项协商。",
    "general": "调解中，双方可就争议事项充分陈述意见并协商解决方案。",
}


@dataclass(frozen=True)
class Notice:
    mediation_number: str
    court_name: str
    issued_on: str
    paragraphs: list[str]


def compose_notice(dispute: Dispute, *, court_name: str) -> Notice:
    """The notice's text for a routed dispute."""
    if dispute.mediation_number is None or dispute.routed_at is None or dispute.notice_template is None:
        raise ValueError("only a routed dispute has a notice")
    names = "、".join(r.name for r in dispute.respondents)
    issued = dispute.routed_at.astimezone(SHANGHAI)
    template = dispute.notice_template
    paragraphs = [
        f"{dispute.bank_name}与{names}：",
        f"{dispute.bank_name}与{names}{_SUBJECT[template]}（合同编号：{dispute.contract_number}，"
        f"诉请金额合计人民币{dispute.total}元）。为便捷、高效、低成本地化解纠纷，本院依据《最高人民法院关于人民法院"
        "特邀调解的规定》等规定，在立案前将本纠纷委派至金融纠纷调解组织进行诉前调解，现将有关事项告知如下：",
        "一、诉前调解遵循自愿、合法原则，不收取任何费用。调解员将在三个工作日内与各方当事人联系；"
        "当事人可选择在线、电话或到场方式参加调解。",
        "二、调解期限为三十日，自调解员接受委派之日起计算；经各方当事人同意，可以适当延长。"
        "鉴定、评估期间不计入调解期限。",
        f"三、{_SPECIFIC[template]}",
        "四、达成调解协议的，协议自各方当事人签字之日起生效；双方可以自协议生效之日起三十日内共同向人民法院申请司法确认，"
        "经确认有效的调解协议具有强制执行力。",
        "五、当事人拒绝调解、调解不成或者调解期限届满未达成协议的，调解程序终结，"
        "申请人坚持起诉的，本院将依法登记立案，诉前调解阶段的材料随案移送。",
        "六、当事人应当如实陈述，不得虚构事实或恶意拖延调解；调解过程中涉及的个人信息和商业秘密依法予以保护。",
    ]
    return Notice(dispute.mediation_number, court_name, f"{issued.year}年{issued.month}月{issued.day}日", paragraphs)


def as_document(notice: Notice) -> CourtDocument:
    return CourtDocument(
        "诉前调解告知书", notice.mediation_number, notice.paragraphs, [notice.court_name, notice.issued_on]
    )


def render_notice_html(notice: Notice) -> str:
    """The notice as an HTML page (escaped)."""
    return render_html(as_document(notice))


def render_notice_pdf(notice: Notice) -> bytes:
    """The notice as an A4 PDF with Chinese text."""
    return render_pdf(as_document(notice))

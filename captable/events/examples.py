"""One example of each event type, and together one history the engine accepts.

Example Networks, Inc. issues a warrant for Series C Preferred in 1997; the
preferred converts at the IPO in 1999, the common splits, pays dividends, is
reclassified, and the company merges in 2003. Each line is listed under its
type in the catalogue's order, so a reader finds it where the type is
described; the engine decides a file in effective order, so the lines need
not be in time order, and ``tests/test_reference.py`` imports them all.
"""

from __future__ import annotations

from typing import Any

HOLDER = {"name": "Sand Hill Lending Fund II, L.P.", "address": "2010 North First Street, Suite 310, San Jose, CA 95131"}
NEW_HOLDER = {"name": "Sand Hill Lending Fund III, L.P.", "address": "3000 Sand Hill Road, Menlo Park, CA 94025"}
CFO = "Pat Lee"  # as CompanyFormed names the cfo: a §4.5 notice counts only when the CFO signs

HISTORY: list[dict[str, Any]] = [
    {"type": "CompanyFormed", "id": "formed", "effective": "1996-02-06", "company": "example",
     "name": "Example Networks, Inc.", "timezone": "America/Los_Angeles", "fiscal_year_end": "12-31",
     "address": "385 Ravendale Drive, Mountain View, CA 94043", "officers": {"cfo": "Pat Lee"},
     "source": "Articles of incorporation filed 1996-02-06"},
    {"type": "ShareClassCreated", "id": "common-created", "effective": "1996-02-06", "class": "common",
     "name": "Common Stock", "kind": "common", "authorized": 50000000},
    {"type": "ShareClassCreated", "id": "series-c-created", "effective": "1996-08-05", "class": "series_c",
     "name": "Series C Preferred Stock", "kind": "preferred", "authorized": 5200000, "converts_to": "common",
     "conversion_ratio": "3/2"},
    {"type": "ShareClassCreated", "id": "class-b-created", "effective": "2002-02-01", "class": "class_b",
     "name": "Class B Common Stock", "kind": "common", "authorized": 10000000},
    {"type": "AuthorizedSharesChanged", "id": "common-authorized-2000", "effective": "2000-01-10", "class": "common",
     "authorized": 200000000, "source": "Certificate of amendment filed 2000-01-10"},
    {"type": "SharesIssued", "id": "series-c-financing", "effective": "1996-08-05", "class": "series_c",
     "holder": "Sand Hill Ventures", "shares": 1000000, "price_per_share": "8.93",
     "source": "Series C Preferred Stock Purchase Agreement"},
    {"type": "OptionsIssued", "id": "plan-grants-1998", "effective": "1998-01-15", "class": "common",
     "holder": "1996 Stock Plan participants", "shares": 500000, "exercise_price": "1.00", "kind": "option",
     "category": "option_plan"},
    {"type": "OptionsExercised", "id": "plan-exercise-1999", "effective": "1999-03-01", "grant": "plan-grants-1998",
     "shares": 20000, "source": "Notice of exercise under the 1996 Stock Plan"},
    {"type": "OptionsCancelled", "id": "plan-forfeiture-1999", "effective": "1999-04-01", "grant": "plan-grants-1998",
     "shares": 5000, "reason": "Unvested options forfeited when the optionee's employment ended"},
    {"type": "OptionsTransferred", "id": "plan-grant-to-trust", "effective": "1998-06-01",
     "grant": "plan-grants-1998", "to": "Lee Family Trust", "shares": 10000},
    {"type": "SharesCancelled", "id": "repurchase-lee", "effective": "1998-05-01", "class": "common",
     "holder": "Pat Lee", "shares": 2000},
    {"type": "SharesTransferred", "id": "transfer-to-lee", "effective": "1998-04-01", "class": "common",
     "from": "Sand Hill Ventures", "to": "Pat Lee", "shares": 10000},
    {"type": "SharesConverted", "id": "sand-hill-converts", "effective": "1998-03-02", "class": "series_c",
     "holder": "Sand Hill Ventures", "shares": 100000},
    {"type": "StockSplit", "id": "split-2000-01", "effective": "2000-01-18", "class": "common", "ratio": "3/1"},
    {"type": "StockDividend", "id": "stock-dividend-2000", "effective": "2000-09-01", "class": "common",
     "record_date": "2000-09-30", "paid_class": "common", "shares_per_share": "1/20"},
    {"type": "CashDividend", "id": "cash-dividend-2001", "effective": "2001-02-01", "class": "common",
     "record_date": "2001-03-01", "amount_per_share": "0.05"},
    {"type": "Distribution", "id": "spinco-distribution", "effective": "2001-05-01", "class": "common",
     "record_date": "2001-06-01", "securities_per_share": [{"issuer": "Spinco, Inc.", "class": "common",
                                                            "quantity": "1/10"}]},
    {"type": "SubscriptionOffered", "id": "rights-offering-2001", "effective": "2001-07-01", "class": "common",
     "record_date": "2001-08-01", "description": "One right per ten shares to buy a share of common at $5.00"},
    {"type": "Reclassification", "id": "class-b-recapitalization", "effective": "2002-03-01", "class": "common",
     "into": [{"class": "common", "quantity": "1"}, {"class": "class_b", "quantity": "1/10"}],
     "record_date": "2002-02-08"},
    {"type": "MergerAgreed", "id": "acquirer-merger", "effective": "2003-05-01", "kind": "merger",
     "counterparty": "Acquirer Corp.", "record_date": "2003-06-02", "expected_closing": "2003-07-15"},
    {"type": "MergerCompleted", "id": "acquirer-merger-closed", "effective": "2003-07-15",
     "agreement": "acquirer-merger",
     "consideration": {"common": {"securities": [{"issuer": "Acquirer Corp.", "class": "common",
                                                  "quantity": "1/2"}]},
                       "class_b": {"cash": "1.25"}}},
    {"type": "SuccessorAssumed", "id": "acquirer-assumes", "effective": "2003-07-10", "agreement": "acquirer-merger",
     "delivered": "2003-07-10T11:00:00-07:00"},
    {"type": "DissolutionApproved", "id": "dissolution", "effective": "2004-02-02", "voluntary": True,
     "record_date": "2004-02-15", "expected_effective": "2004-04-30"},
    {"type": "OtherActionProposed", "id": "series-d-proposed", "effective": "2001-09-04",
     "description": "Amend the certificate of incorporation to create a Series D Preferred Stock",
     "record_date": "2001-10-01", "expected_effective": "2001-11-01"},
    {"type": "PreferredConverted", "id": "series-c-converted", "effective": "1999-06-30", "class": "series_c",
     "source": "Certificate of incorporation, art. FOURTH: automatic conversion at the IPO closing"},
    {"type": "ConversionRatioAdjusted", "id": "series-c-ratio-1998", "effective": "1998-10-15", "class": "series_c",
     "conversion_ratio": "8/5", "reason": "Charter anti-dilution adjustment after the 1998 bridge financing"},
    {"type": "PublicOfferingPriced", "id": "ipo-priced", "effective": "1999-06-24", "class": "common",
     "price_to_public": "34.00", "shares": 4800000, "closing": "1999-06-30"},
    {"type": "Listed", "id": "listed-nasdaq", "effective": "1999-06-25", "class": "common", "exchange": "NASDAQ"},
    {"type": "Delisted", "id": "delisted-nasdaq", "effective": "2003-07-15", "class": "common", "exchange": "NASDAQ"},
    {"type": "MarketQuotes", "id": "quotes-1999-07", "effective": "1999-07-02", "class": "common",
     "quotes": [{"date": "1999-07-01", "bid": "40.25", "ask": "40.50"},
                {"date": "1999-07-02", "bid": "41.00", "ask": "41.125"}]},
    {"type": "BoardValuation", "id": "board-valuation-1998", "effective": "1998-10-01", "class": "common",
     "price_per_share": "10.00", "source": "Board minutes 1998-10-01"},
    {"type": "TransferBooksClosed", "id": "books-closed-2000", "effective": "2000-02-15", "from": "2000-03-01",
     "to": "2000-03-03"},
    {"type": "WarrantIssued", "id": "warrant-issued", "effective": "1997-09-30", "warrant": "W-1", "holder": HOLDER,
     "class": "series_c", "shares": 20000, "price": "8.93", "expires": "2003-12-15T17:00:00-08:00",
     "certificate": "CS-1", "category": "financing_warrant", "source": "Warrant to purchase Series C Preferred"},
    {"type": "WarrantExercised", "id": "exercise-1998-06", "effective": "1998-06-01", "warrant": "W-1",
     "shares": 1000, "payment": "8930.00"},
    {"type": "WarrantNetExercised", "id": "net-exercise-1998-12", "effective": "1998-12-01", "warrant": "W-1",
     "shares": 1000, "method": "board"},
    {"type": "WarrantTransferred", "id": "warrant-transferred", "effective": "1998-07-01", "warrant": "W-1",
     "to": NEW_HOLDER, "basis": "opinion_of_counsel", "transferee_agreed": True},
    {"type": "WarrantReplaced", "id": "certificate-replaced", "effective": "1998-09-01", "warrant": "W-1",
     "reason": "lost", "evidence": "Affidavit of loss dated 1998-08-25",
     "indemnity": "Indemnity agreement dated 1998-08-25", "certificate": "CS-3"},
    {"type": "WarrantCancelled", "id": "units-cancelled-2003", "effective": "2003-10-01", "warrant": "W-1",
     "shares": 100, "reason": "Surrendered for cancellation under the holder's letter agreement of 2003-09-25"},
    {"type": "HolderAddressChanged", "id": "holder-moved", "effective": "1998-08-01", "warrant": "W-1",
     "address": "2800 Sand Hill Road, Suite 100, Menlo Park, CA 94025"},
    {"type": "BoardAdjustment", "id": "board-adjustment-1998", "effective": "1998-12-15", "warrant": "W-1",
     "price": "8.50", "reason": "§4.7: the 1998 bridge financing, which §4.4 does not strictly reach"},
    {"type": "NoticeSent", "id": "conversion-notice", "effective": "1999-07-02",
     "obligations": ["W-1/4.5/series-c-converted"], "method": "mail", "sent": "1999-07-02", "signed_by": CFO,
     "to": "2800 Sand Hill Road, Suite 100, Menlo Park, CA 94025"},
    {"type": "ReportDelivered", "id": "annual-report-2000", "effective": "2001-04-20", "kind": "annual",
     "period": "2000", "delivered": "2001-04-20"},
    {"type": "ShareholderMaterialsSent", "id": "proxy-2002", "effective": "2002-04-01",
     "description": "Proxy statement for the 2002 annual meeting"},
    {"type": "WaiverSigned", "id": "dividend-notice-waived", "effective": "2001-02-05", "by": "holder",
     "obligations": ["W-1/4.6(i)/cash-dividend-2001"],
     "text": "The holder waives the 20 days' notice of the record date of the 2001 cash dividend"},
    {"type": "RecordKept", "id": "ocf:plan-1996", "effective": "1996-03-01", "system": "OCF 1.2.0",
     "record_type": "STOCK_PLAN", "record_id": "plan-1996", "handling": "stock plans are not modelled yet",
     "original": '{"id":"plan-1996","initial_shares_reserved":"1000000","object_type":"STOCK_PLAN",'
                '"plan_name":"1996 Stock Plan","stock_class_ids":["common"]}',
     "source": "OCF StockPlans.ocf.json: STOCK_PLAN plan-1996"},
    {"type": "EventRetracted", "id": "series-d-withdrawn", "effective": "2001-09-20", "event": "series-d-proposed",
     "reason": "Recorded in error: the board never proposed the amendment"},
]


def examples(type_name: str) -> list[dict[str, Any]]:
    """The example lines of one type, in the history's order."""
    return [line for line in HISTORY if line["type"] == type_name]

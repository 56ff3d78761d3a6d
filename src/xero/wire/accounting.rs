//! Xero's accounting objects as they travel over the wire, for both directions: the sandbox
//! writes them and the sync reads them. Only the fields CollectIQ uses are named; everything
//! else Xero sends is ignored. Enumerations stay strings here (Xero adds values over time); the
//! sync decides what an unknown one means.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::dates::XeroDateTime;
use super::numbers::optional_decimal;

/// The wrapper around every accounting response: `{"Id", "Status", "ProviderName",
/// "DateTimeUTC", "pagination", "Invoices": [...]}`. Read field by field (not with serde's
/// `flatten`, which buffers values and so cannot read amounts exactly from the JSON text).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Envelope<T> {
    #[serde(rename = "Id", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "Status", default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(rename = "ProviderName", default, skip_serializing_if = "Option::is_none")]
    pub provider_name: Option<String>,
    #[serde(rename = "DateTimeUTC", default, skip_serializing_if = "Option::is_none")]
    pub date_time_utc: Option<XeroDateTime>,
    #[serde(rename = "pagination", default, skip_serializing_if = "Option::is_none")]
    pub pagination: Option<Pagination>,
    #[serde(flatten)]
    pub items: T,
    /// Items of the list that could not be read, each said in words (with its id when it has
    /// one), so that one bad record does not cost the whole page.
    #[serde(skip)]
    pub unreadable: Vec<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pagination {
    #[serde(default)]
    pub page: u32,
    #[serde(rename = "pageSize", default)]
    pub page_size: u32,
    #[serde(rename = "pageCount", default)]
    pub page_count: u32,
    #[serde(rename = "itemCount", default)]
    pub item_count: u64,
}

/// A list Xero wraps in an envelope under its own key.
pub trait List: Sized {
    const KEY: &'static str;
    type Item: for<'de> Deserialize<'de>;
    fn from_items(items: Vec<Self::Item>) -> Self;
    fn into_items(self) -> Vec<Self::Item>;
}

impl<'de, T: List> Deserialize<'de> for Envelope<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields<T>(std::marker::PhantomData<T>);

        impl<'de, T: List> serde::de::Visitor<'de> for Fields<T> {
            type Value = Envelope<T>;

            fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
                write!(formatter, "a Xero response holding {}", T::KEY)
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Envelope<T>, A::Error> {
                let (mut id, mut status, mut provider_name, mut date_time_utc, mut pagination) =
                    (None, None, None, None, None);
                let mut items: Vec<T::Item> = Vec::new();
                let mut unreadable = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "Id" => id = map.next_value()?,
                        "Status" => status = map.next_value()?,
                        "ProviderName" => provider_name = map.next_value()?,
                        "DateTimeUTC" => date_time_utc = map.next_value()?,
                        "pagination" => pagination = map.next_value()?,
                        key if key == T::KEY => {
                            let raws = map.next_value::<Option<Vec<Box<serde_json::value::RawValue>>>>()?;
                            for (position, raw) in raws.into_iter().flatten().enumerate() {
                                match serde_json::from_str::<T::Item>(raw.get()) {
                                    Ok(item) => items.push(item),
                                    Err(error) => unreadable.push(describe_unreadable(position, raw.get(), &error)),
                                }
                            }
                        }
                        _ => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                        }
                    }
                }
                let items = T::from_items(items);
                Ok(Envelope { id, status, provider_name, date_time_utc, pagination, items, unreadable })
            }
        }

        deserializer.deserialize_map(Fields(std::marker::PhantomData))
    }
}

/// An item that could not be read: its id (the first `…ID` field) if it has one, and why.
fn describe_unreadable(position: usize, json: &str, error: &serde_json::Error) -> String {
    let id = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(json).ok().and_then(|fields| {
        fields.iter().find(|(key, value)| key.ends_with("ID") && value.is_string()).map(|(_, v)| v.to_string())
    });
    match id {
        Some(id) => format!("record {id} could not be read: {error}"),
        None => format!("record {} of the page could not be read: {error}", position + 1),
    }
}

macro_rules! list {
    ($name:ident, $key:literal, $item:ty) => {
        #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
        pub struct $name {
            #[serde(rename = $key, default)]
            pub items: Vec<$item>,
        }

        impl List for $name {
            const KEY: &'static str = $key;
            type Item = $item;

            fn from_items(items: Vec<$item>) -> Self {
                $name { items }
            }

            fn into_items(self) -> Vec<$item> {
                self.items
            }
        }
    };
}

list!(Organisations, "Organisations", Organisation);
list!(ContactGroups, "ContactGroups", ContactGroup);
list!(Contacts, "Contacts", Contact);
list!(Invoices, "Invoices", Invoice);
list!(Payments, "Payments", Payment);
list!(CreditNotes, "CreditNotes", CreditNote);
list!(Overpayments, "Overpayments", Overpayment);
list!(Prepayments, "Prepayments", Prepayment);
list!(RepeatingInvoices, "RepeatingInvoices", RepeatingInvoice);
list!(InvoiceReminders, "InvoiceReminders", InvoiceReminder);
list!(HistoryRecords, "HistoryRecords", HistoryRecord);
list!(OnlineInvoices, "OnlineInvoices", OnlineInvoice);
list!(Allocations, "Allocations", Allocation);

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Organisation {
    #[serde(rename = "OrganisationID", default, skip_serializing_if = "Option::is_none")]
    pub organisation_id: Option<String>,
    #[serde(rename = "Name", default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "LegalName", default, skip_serializing_if = "Option::is_none")]
    pub legal_name: Option<String>,
    #[serde(rename = "BaseCurrency", default, skip_serializing_if = "Option::is_none")]
    pub base_currency: Option<String>,
    #[serde(rename = "CountryCode", default, skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    /// A Windows-style zone name such as `NEWZEALANDSTANDARDTIME`.
    #[serde(rename = "Timezone", default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(rename = "ShortCode", default, skip_serializing_if = "Option::is_none")]
    pub short_code: Option<String>,
    #[serde(rename = "OrganisationStatus", default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(rename = "Version", default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(rename = "OrganisationType", default, skip_serializing_if = "Option::is_none")]
    pub organisation_type: Option<String>,
    #[serde(rename = "IsDemoCompany", default, skip_serializing_if = "Option::is_none")]
    pub is_demo_company: Option<bool>,
    #[serde(rename = "CreatedDateUTC", default, skip_serializing_if = "Option::is_none")]
    pub created_date_utc: Option<XeroDateTime>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ContactGroup {
    #[serde(rename = "ContactGroupID", default, skip_serializing_if = "Option::is_none")]
    pub contact_group_id: Option<String>,
    #[serde(rename = "Name", default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `ACTIVE` or `DELETED`.
    #[serde(rename = "Status", default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Members, given only when one group is asked for.
    #[serde(rename = "Contacts", default, skip_serializing_if = "Option::is_none")]
    pub contacts: Option<Vec<Contact>>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    #[serde(rename = "ContactID", default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
    #[serde(rename = "ContactNumber", default, skip_serializing_if = "Option::is_none")]
    pub contact_number: Option<String>,
    #[serde(rename = "AccountNumber", default, skip_serializing_if = "Option::is_none")]
    pub account_number: Option<String>,
    /// `ACTIVE`, `ARCHIVED` or `GDPRREQUEST`.
    #[serde(rename = "ContactStatus", default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(rename = "Name", default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "FirstName", default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(rename = "LastName", default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(rename = "EmailAddress", default, skip_serializing_if = "Option::is_none")]
    pub email_address: Option<String>,
    #[serde(rename = "ContactPersons", default, skip_serializing_if = "Option::is_none")]
    pub contact_persons: Option<Vec<ContactPerson>>,
    #[serde(rename = "IsSupplier", default, skip_serializing_if = "Option::is_none")]
    pub is_supplier: Option<bool>,
    #[serde(rename = "IsCustomer", default, skip_serializing_if = "Option::is_none")]
    pub is_customer: Option<bool>,
    #[serde(rename = "DefaultCurrency", default, skip_serializing_if = "Option::is_none")]
    pub default_currency: Option<String>,
    #[serde(rename = "PaymentTerms", default, skip_serializing_if = "Option::is_none")]
    pub payment_terms: Option<PaymentTerms>,
    #[serde(rename = "ContactGroups", default, skip_serializing_if = "Option::is_none")]
    pub contact_groups: Option<Vec<ContactGroup>>,
    #[serde(rename = "UpdatedDateUTC", default, skip_serializing_if = "Option::is_none")]
    pub updated_date_utc: Option<XeroDateTime>,
    #[serde(rename = "HasValidationErrors", default, skip_serializing_if = "Option::is_none")]
    pub has_validation_errors: Option<bool>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ContactPerson {
    #[serde(rename = "FirstName", default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(rename = "LastName", default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(rename = "EmailAddress", default, skip_serializing_if = "Option::is_none")]
    pub email_address: Option<String>,
    #[serde(rename = "IncludeInEmails", default, skip_serializing_if = "Option::is_none")]
    pub include_in_emails: Option<bool>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PaymentTerms {
    #[serde(rename = "Bills", default, skip_serializing_if = "Option::is_none")]
    pub bills: Option<PaymentTerm>,
    #[serde(rename = "Sales", default, skip_serializing_if = "Option::is_none")]
    pub sales: Option<PaymentTerm>,
}

/// `Day` and `Type`: `DAYSAFTERBILLDATE`, `DAYSAFTERBILLMONTH`, `OFCURRENTMONTH` or
/// `OFFOLLOWINGMONTH`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PaymentTerm {
    #[serde(rename = "Day", default, skip_serializing_if = "Option::is_none")]
    pub day: Option<i64>,
    #[serde(rename = "Type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Invoice {
    /// `ACCREC` (a sales invoice) or `ACCPAY` (a bill).
    #[serde(rename = "Type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(rename = "InvoiceID", default, skip_serializing_if = "Option::is_none")]
    pub invoice_id: Option<String>,
    #[serde(rename = "InvoiceNumber", default, skip_serializing_if = "Option::is_none")]
    pub invoice_number: Option<String>,
    #[serde(rename = "Reference", default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(rename = "Contact", default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
    #[serde(rename = "Date", default, skip_serializing_if = "Option::is_none")]
    pub date: Option<XeroDateTime>,
    #[serde(rename = "DueDate", default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<XeroDateTime>,
    /// `DRAFT`, `SUBMITTED`, `AUTHORISED`, `PAID`, `VOIDED` or `DELETED`.
    #[serde(rename = "Status", default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(rename = "LineAmountTypes", default, skip_serializing_if = "Option::is_none")]
    pub line_amount_types: Option<String>,
    #[serde(rename = "LineItems", default, skip_serializing_if = "Option::is_none")]
    pub line_items: Option<Vec<LineItem>>,
    #[serde(rename = "SubTotal", with = "optional_decimal", default, skip_serializing_if = "Option::is_none")]
    pub sub_total: Option<Decimal>,
    #[serde(rename = "TotalTax", with = "optional_decimal", default, skip_serializing_if = "Option::is_none")]
    pub total_tax: Option<Decimal>,
    #[serde(rename = "Total", with = "optional_decimal", default, skip_serializing_if = "Option::is_none")]
    pub total: Option<Decimal>,
    #[serde(rename = "AmountDue", with = "optional_decimal", default, skip_serializing_if = "Option::is_none")]
    pub amount_due: Option<Decimal>,
    #[serde(rename = "AmountPaid", with = "optional_decimal", default, skip_serializing_if = "Option::is_none")]
    pub amount_paid: Option<Decimal>,
    #[serde(rename = "AmountCredited", with = "optional_decimal", default, skip_serializing_if = "Option::is_none")]
    pub amount_credited: Option<Decimal>,
    #[serde(rename = "CurrencyCode", default, skip_serializing_if = "Option::is_none")]
    pub currency_code: Option<String>,
    /// Units of the invoice's currency per unit of the base currency.
    #[serde(rename = "CurrencyRate", with = "optional_decimal", default, skip_serializing_if = "Option::is_none")]
    pub currency_rate: Option<Decimal>,
    #[serde(rename = "UpdatedDateUTC", default, skip_serializing_if = "Option::is_none")]
    pub updated_date_utc: Option<XeroDateTime>,
    #[serde(rename = "FullyPaidOnDate", default, skip_serializing_if = "Option::is_none")]
    pub fully_paid_on_date: Option<XeroDateTime>,
    #[serde(rename = "ExpectedPaymentDate", default, skip_serializing_if = "Option::is_none")]
    pub expected_payment_date: Option<XeroDateTime>,
    #[serde(rename = "PlannedPaymentDate", default, skip_serializing_if = "Option::is_none")]
    pub planned_payment_date: Option<XeroDateTime>,
    #[serde(rename = "RepeatingInvoiceID", default, skip_serializing_if = "Option::is_none")]
    pub repeating_invoice_id: Option<String>,
    #[serde(rename = "SentToContact", default, skip_serializing_if = "Option::is_none")]
    pub sent_to_contact: Option<bool>,
    #[serde(rename = "HasAttachments", default, skip_serializing_if = "Option::is_none")]
    pub has_attachments: Option<bool>,
    #[serde(rename = "Payments", default, skip_serializing_if = "Option::is_none")]
    pub payments: Option<Vec<Payment>>,
    #[serde(rename = "CreditNotes", default, skip_serializing_if = "Option::is_none")]
    pub credit_notes: Option<Vec<CreditNote>>,
    #[serde(rename = "Overpayments", default, skip_serializing_if = "Option::is_none")]
    pub overpayments: Option<Vec<Overpayment>>,
    #[serde(rename = "Prepayments", default, skip_serializing_if = "Option::is_none")]
    pub prepayments: Option<Vec<Prepayment>>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LineItem {
    #[serde(rename = "LineItemID", default, skip_serializing_if = "Option::is_none")]
    pub line_item_id: Option<String>,
    #[serde(rename = "Description", default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(rename = "Quantity", with = "optional_decimal", default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Decimal>,
    #[serde(rename = "UnitAmount", with = "optional_decimal", default, skip_serializing_if = "Option::is_none")]
    pub unit_amount: Option<Decimal>,
    #[serde(rename = "AccountCode", default, skip_serializing_if = "Option::is_none")]
    pub account_code: Option<String>,
    #[serde(rename = "TaxType", default, skip_serializing_if = "Option::is_none")]
    pub tax_type: Option<String>,
    #[serde(rename = "TaxAmount", with = "optional_decimal", default, skip_serializing_if = "Option::is_none")]
    pub tax_amount: Option<Decimal>,
    #[serde(rename = "LineAmount", with = "optional_decimal", default, skip_serializing_if = "Option::is_none")]
    pub line_amount: Option<Decimal>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Payment {
    #[serde(rename = "PaymentID", default, skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<String>,
    #[serde(rename = "Invoice", default, skip_serializing_if = "Option::is_none")]
    pub invoice: Option<Box<Invoice>>,
    #[serde(rename = "Date", default, skip_serializing_if = "Option::is_none")]
    pub date: Option<XeroDateTime>,
    #[serde(rename = "Amount", with = "optional_decimal", default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Decimal>,
    #[serde(rename = "CurrencyRate", with = "optional_decimal", default, skip_serializing_if = "Option::is_none")]
    pub currency_rate: Option<Decimal>,
    #[serde(rename = "Reference", default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// `AUTHORISED` or `DELETED`.
    #[serde(rename = "Status", default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// `ACCRECPAYMENT`, `ACCPAYPAYMENT`, …
    #[serde(rename = "PaymentType", default, skip_serializing_if = "Option::is_none")]
    pub payment_type: Option<String>,
    #[serde(rename = "UpdatedDateUTC", default, skip_serializing_if = "Option::is_none")]
    pub updated_date_utc: Option<XeroDateTime>,
    #[serde(rename = "HasAccount", default, skip_serializing_if = "Option::is_none")]
    pub has_account: Option<bool>,
    #[serde(rename = "HasValidationErrors", default, skip_serializing_if = "Option::is_none")]
    pub has_validation_errors: Option<bool>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Allocation {
    #[serde(rename = "AllocationID", default, skip_serializing_if = "Option::is_none")]
    pub allocation_id: Option<String>,
    #[serde(rename = "Invoice", default, skip_serializing_if = "Option::is_none")]
    pub invoice: Option<Box<Invoice>>,
    #[serde(rename = "Amount", with = "optional_decimal", default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Decimal>,
    #[serde(rename = "Date", default, skip_serializing_if = "Option::is_none")]
    pub date: Option<XeroDateTime>,
    #[serde(rename = "IsDeleted", default, skip_serializing_if = "Option::is_none")]
    pub is_deleted: Option<bool>,
}

/// Credit notes, overpayments and prepayments share a shape: credit that is allocated to invoices.
macro_rules! credit {
    ($name:ident, $id:literal, $id_field:ident, $number:literal) => {
        #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
        pub struct $name {
            #[serde(rename = $id, default, skip_serializing_if = "Option::is_none")]
            pub $id_field: Option<String>,
            #[serde(rename = $number, default, skip_serializing_if = "Option::is_none")]
            pub number: Option<String>,
            #[serde(rename = "Type", default, skip_serializing_if = "Option::is_none")]
            pub kind: Option<String>,
            #[serde(rename = "Contact", default, skip_serializing_if = "Option::is_none")]
            pub contact: Option<Contact>,
            #[serde(rename = "Date", default, skip_serializing_if = "Option::is_none")]
            pub date: Option<XeroDateTime>,
            #[serde(rename = "Status", default, skip_serializing_if = "Option::is_none")]
            pub status: Option<String>,
            #[serde(rename = "Total", with = "optional_decimal", default, skip_serializing_if = "Option::is_none")]
            pub total: Option<Decimal>,
            #[serde(
                rename = "RemainingCredit",
                with = "optional_decimal",
                default,
                skip_serializing_if = "Option::is_none"
            )]
            pub remaining_credit: Option<Decimal>,
            #[serde(rename = "CurrencyCode", default, skip_serializing_if = "Option::is_none")]
            pub currency_code: Option<String>,
            #[serde(
                rename = "CurrencyRate",
                with = "optional_decimal",
                default,
                skip_serializing_if = "Option::is_none"
            )]
            pub currency_rate: Option<Decimal>,
            #[serde(rename = "Allocations", default, skip_serializing_if = "Option::is_none")]
            pub allocations: Option<Vec<Allocation>>,
            #[serde(rename = "UpdatedDateUTC", default, skip_serializing_if = "Option::is_none")]
            pub updated_date_utc: Option<XeroDateTime>,
            /// When nested in an invoice: the part of it applied to that invoice.
            #[serde(
                rename = "AppliedAmount",
                with = "optional_decimal",
                default,
                skip_serializing_if = "Option::is_none"
            )]
            pub applied_amount: Option<Decimal>,
        }
    };
}

credit!(CreditNote, "CreditNoteID", credit_note_id, "CreditNoteNumber");
credit!(Overpayment, "OverpaymentID", overpayment_id, "OverpaymentNumber");
credit!(Prepayment, "PrepaymentID", prepayment_id, "PrepaymentNumber");

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RepeatingInvoice {
    #[serde(rename = "RepeatingInvoiceID", default, skip_serializing_if = "Option::is_none")]
    pub repeating_invoice_id: Option<String>,
    #[serde(rename = "Type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(rename = "Contact", default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
    #[serde(rename = "Schedule", default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Schedule>,
    #[serde(rename = "Reference", default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(rename = "CurrencyCode", default, skip_serializing_if = "Option::is_none")]
    pub currency_code: Option<String>,
    #[serde(rename = "Status", default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(rename = "Total", with = "optional_decimal", default, skip_serializing_if = "Option::is_none")]
    pub total: Option<Decimal>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    #[serde(rename = "Period", default, skip_serializing_if = "Option::is_none")]
    pub period: Option<i64>,
    /// `WEEKLY` or `MONTHLY`.
    #[serde(rename = "Unit", default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(rename = "DueDate", default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<i64>,
    #[serde(rename = "DueDateType", default, skip_serializing_if = "Option::is_none")]
    pub due_date_type: Option<String>,
    #[serde(rename = "StartDate", default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<XeroDateTime>,
    #[serde(rename = "NextScheduledDate", default, skip_serializing_if = "Option::is_none")]
    pub next_scheduled_date: Option<XeroDateTime>,
    #[serde(rename = "EndDate", default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<XeroDateTime>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InvoiceReminder {
    #[serde(rename = "Enabled", default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HistoryRecord {
    #[serde(rename = "Details", default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    #[serde(rename = "Changes", default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<String>,
    #[serde(rename = "User", default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(rename = "DateUTC", default, skip_serializing_if = "Option::is_none")]
    pub date_utc: Option<XeroDateTime>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OnlineInvoice {
    #[serde(rename = "OnlineInvoiceUrl", default, skip_serializing_if = "Option::is_none")]
    pub online_invoice_url: Option<String>,
}

/// The body of a 400: `{"ErrorNumber": 10, "Type": "ValidationException", "Message": …,
/// "Elements": [{…, "ValidationErrors": [{"Message": …}]}]}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ApiException {
    #[serde(rename = "ErrorNumber", default)]
    pub error_number: i64,
    #[serde(rename = "Type", default)]
    pub kind: String,
    #[serde(rename = "Message", default)]
    pub message: String,
    #[serde(rename = "Elements", default, skip_serializing_if = "Vec::is_empty")]
    pub elements: Vec<serde_json::Value>,
}

/// The body of a 401 or 403: a problem report such as
/// `{"Title": "Unauthorized", "Status": 401, "Detail": "AuthenticationUnsuccessful"}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    #[serde(rename = "Type", default)]
    pub kind: Option<String>,
    #[serde(rename = "Title", default)]
    pub title: String,
    #[serde(rename = "Status", default)]
    pub status: u16,
    #[serde(rename = "Detail", default)]
    pub detail: String,
    #[serde(rename = "Instance", default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
}

list!(Reports, "Reports", Report);

/// A report such as AgedReceivablesByContact. CollectIQ computes aging itself; reports are
/// read only so that every payload Xero documents has a type.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    #[serde(rename = "ReportID", default, skip_serializing_if = "Option::is_none")]
    pub report_id: Option<String>,
    #[serde(rename = "ReportName", default, skip_serializing_if = "Option::is_none")]
    pub report_name: Option<String>,
    #[serde(rename = "ReportType", default, skip_serializing_if = "Option::is_none")]
    pub report_type: Option<String>,
    #[serde(rename = "ReportDate", default, skip_serializing_if = "Option::is_none")]
    pub report_date: Option<String>,
    #[serde(rename = "Rows", default, skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<serde_json::Value>,
}

#[cfg(test)]
mod envelope_tests {
    use super::*;

    #[test]
    fn one_bad_record_does_not_cost_the_page() {
        let json = r#"{"Id":"x","Status":"OK","Invoices":[
            {"InvoiceID":"0b0d3ab0-0000-4000-8000-000000000001","Total":10.00},
            {"InvoiceID":"0b0d3ab0-0000-4000-8000-000000000002","DueDate":"next Tuesday"},
            {"Total":"lots"}
        ],"Unknown":{"a":1}}"#;
        let envelope: Envelope<Invoices> = serde_json::from_str(json).unwrap();
        assert_eq!(envelope.items.items.len(), 1);
        assert_eq!(envelope.items.items[0].total.unwrap().to_string(), "10.00");
        assert_eq!(envelope.unreadable.len(), 2);
        assert!(
            envelope.unreadable[0].starts_with("record \"0b0d3ab0-0000-4000-8000-000000000002\" could not be read")
        );
        assert!(envelope.unreadable[1].starts_with("record 3 of the page could not be read"));
    }
}

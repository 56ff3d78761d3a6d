//! Word lists for generated organisations and customers. Plausible, varied, and fictional.

pub struct OrganisationPreset {
    pub name: &'static str,
    pub base_currency: &'static str,
    /// An IANA zone; the organisation reports its Xero code.
    pub zone: &'static str,
    pub country: &'static str,
    /// Sales tax as a percentage of the amount before tax.
    pub tax_percent: i64,
}

pub const ORGANISATIONS: &[OrganisationPreset] = &[
    OrganisationPreset {
        name: "Harbour Wholesale Ltd",
        base_currency: "NZD",
        zone: "Pacific/Auckland",
        country: "NZ",
        tax_percent: 15,
    },
    OrganisationPreset {
        name: "Summit Build Pty Ltd",
        base_currency: "AUD",
        zone: "Australia/Sydney",
        country: "AU",
        tax_percent: 10,
    },
    OrganisationPreset {
        name: "Brightside Creative Ltd",
        base_currency: "GBP",
        zone: "Europe/London",
        country: "GB",
        tax_percent: 20,
    },
    OrganisationPreset {
        name: "Cloudlytics Inc",
        base_currency: "USD",
        zone: "America/New_York",
        country: "US",
        tax_percent: 0,
    },
    OrganisationPreset {
        name: "Kiwi Hospitality Auckland Ltd",
        base_currency: "NZD",
        zone: "Pacific/Auckland",
        country: "NZ",
        tax_percent: 15,
    },
    OrganisationPreset {
        name: "Civic Works Ltd",
        base_currency: "NZD",
        zone: "Pacific/Auckland",
        country: "NZ",
        tax_percent: 15,
    },
];

pub const PLACES: &[&str] = &[
    "Harbour",
    "Otago",
    "Riverside",
    "Summit",
    "Kauri",
    "Coastal",
    "Northern",
    "Southern",
    "Westgate",
    "Eastside",
    "Bayview",
    "Hillcrest",
    "Lakeside",
    "Pohutukawa",
    "Tasman",
    "Marlborough",
    "Canterbury",
    "Waikato",
    "Ponsonby",
    "Newtown",
    "Karori",
    "Te Aro",
    "Redwood",
    "Greenlane",
    "Milford",
    "Cedar",
    "Ironbark",
    "Silverdale",
    "Oakridge",
    "Stonefield",
];

pub const TRADES: &[&str] = &[
    "Cafe",
    "Builders",
    "Dental",
    "Motors",
    "Bakery",
    "Plumbing",
    "Electrical",
    "Design Studio",
    "Engineering",
    "Grocers",
    "Florists",
    "Physiotherapy",
    "Landscaping",
    "Joinery",
    "Catering",
    "Print Shop",
    "Veterinary Clinic",
    "Accountants",
    "Brewing Co",
    "Legal",
    "Architects",
    "Fitness",
    "Hardware",
    "Logistics",
    "Pharmacy",
    "Roofing",
    "Signs",
    "Events",
    "IT Services",
    "Surveyors",
];

pub const SUFFIXES: &[&str] = &["Ltd", "Limited", "& Co", "Group", "Partners", "Trust", ""];

pub const FIRST_NAMES: &[&str] = &[
    "Aroha", "Sam", "Priya", "Tom", "Mere", "Olu", "Hemi", "Dana", "Liam", "Ana", "Wiremu", "Grace", "Noah", "Mia",
    "Jack", "Ella", "Hana", "Leo", "Zoe", "Manaia", "Isla", "Ravi", "Sofia", "Tane", "Amelia", "Kai", "Chloe", "Ethan",
    "Lucy", "Rangi",
];

pub const LAST_NAMES: &[&str] = &[
    "Smith", "Ngata", "Patel", "Walker", "Williams", "Brown", "Tane", "Chen", "Wilson", "Taylor", "Parata", "Singh",
    "Jones", "Martin", "King", "Lee", "Thompson", "White", "Harris", "Clark", "Hohaia", "Kumar", "Young", "Hall",
    "Allen",
];

/// Groups a collections manager would keep, with how often a customer is in each (per mille).
pub const GROUPS: &[(&str, u32)] = &[
    ("Enterprise", 80),
    ("Key Accounts", 60),
    ("Do not chase", 25),
    ("Retainer", 70),
    ("Public sector", 40),
    ("VIP", 30),
];

pub const COUNCILS: &[&str] =
    &["Dunedin City Council", "Tasman District Council", "Greater Wellington Regional Council", "Hutt City Council"];

pub const REFERENCES: &[&str] = &["PO ", "Job ", "Order ", "Project ", "Contract ", ""];

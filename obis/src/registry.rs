//! Named objects of a bi-directional (import/export, four-quadrant) smart meter.
//!
//! The registry holds the objects a head-end reads and a meter exposes — clock, identifiers,
//! associations and security, energy registers per tariff, instantaneous and power-quality values,
//! maximum demand, profiles, event logs, tariff-programme objects, disconnect control, limiter,
//! push setup and the payment-metering objects — each with its OBIS code, its usual COSEM
//! interface class and a stable `snake_case` name. Lookup by code is a binary search; lookup by
//! name a scan of a static table. Nothing allocates.
//!
//! Codes and classes follow IEC 62056-6-1 / DLMS UA Blue Book part 1 as listed by Gurux's
//! standard OBIS list and object defaults (`OBiscodes.h`, `GXDLMSAccount`, `GXDLMSCredit`,
//! `GXDLMSTokenGateway`) and EnergyICT's protocol code. The E values of the event logs
//! (`0-0:99.98.E`) are assigned by companion specifications, not by the Blue Book: the ones here
//! are the common IDIS-style assignment (DSMR, for one, puts its voltage-quality log at E = 5).
//!
//! ```
//! use obis::{registry, ObisCode};
//! let clock = registry::by_name("clock").unwrap();
//! assert_eq!(clock.code, ObisCode::new(0, 0, 1, 0, 0, 255));
//! assert_eq!(clock.class_id, 8);
//! let import = registry::by_code(ObisCode::new(1, 0, 1, 8, 0, 255)).unwrap();
//! assert_eq!(import.name, "active_energy_import");
//! assert_eq!(import.description().to_string(), "Active energy import (+A), total");
//! ```

use core::fmt;

use crate::ObisCode;

/// One named object of the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Object {
    /// Stable `snake_case` name, e.g. `active_energy_export_t1`.
    pub name: &'static str,
    /// The object's logical name.
    pub code: ObisCode,
    /// The COSEM interface class the object usually has (1 Data, 3 Register, 4 Extended register,
    /// 5 Demand register, 7 Profile generic, 8 Clock, ...).
    pub class_id: u16,
    /// Title for objects whose meaning is not composed from the value groups (non-electricity).
    title: Option<&'static str>,
}

impl Object {
    /// The object's title, for objects not described by their value groups.
    #[must_use]
    pub const fn title(&self) -> Option<&'static str> {
        self.title
    }

    /// A description of the object: its title, or for electricity quantities the description
    /// composed from the value groups (the same text as [`ObisCode::describe`]).
    #[must_use]
    pub const fn description(&self) -> ObjectDescription {
        ObjectDescription {
            title: self.title,
            code: self.code,
        }
    }
}

/// The description of a registry [`Object`]; `Display` writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectDescription {
    title: Option<&'static str>,
    code: ObisCode,
}

impl fmt::Display for ObjectDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.title {
            Some(title) => f.write_str(title),
            None => fmt::Display::fmt(&self.code.describe(), f),
        }
    }
}

/// The object named `code`, if the registry knows it.
#[must_use]
pub fn by_code(code: ObisCode) -> Option<&'static Object> {
    OBJECTS
        .binary_search_by(|o| o.code.cmp(&code))
        .ok()
        .and_then(|i| OBJECTS.get(i))
}

/// The object called `name` (ASCII case-insensitive; `-` and `_` are interchangeable).
#[must_use]
pub fn by_name(name: &str) -> Option<&'static Object> {
    OBJECTS.iter().find(|o| {
        o.name.len() == name.len()
            && o.name.bytes().zip(name.bytes()).all(|(a, b)| {
                let norm = |c: u8| {
                    if c == b'-' {
                        b'_'
                    } else {
                        c.to_ascii_lowercase()
                    }
                };
                norm(a) == norm(b)
            })
    })
}

/// Every object of the registry, sorted by code.
#[must_use]
pub fn all() -> &'static [Object] {
    OBJECTS
}

const fn abs(name: &'static str, code: ObisCode, class_id: u16, title: &'static str) -> Object {
    Object {
        name,
        code,
        class_id,
        title: Some(title),
    }
}

/// An electricity object described by its value groups.
const fn el(name: &'static str, code: ObisCode, class_id: u16) -> Object {
    Object {
        name,
        code,
        class_id,
        title: None,
    }
}

const fn c(a: u8, b: u8, c: u8, d: u8, e: u8) -> ObisCode {
    ObisCode::new(a, b, c, d, e, 255)
}

/// Interface class ids used below.
mod class {
    pub const DATA: u16 = 1;
    pub const REGISTER: u16 = 3;
    pub const EXTENDED_REGISTER: u16 = 4;
    pub const DEMAND_REGISTER: u16 = 5;
    pub const REGISTER_ACTIVATION: u16 = 6;
    pub const PROFILE_GENERIC: u16 = 7;
    pub const CLOCK: u16 = 8;
    pub const SCRIPT_TABLE: u16 = 9;
    pub const SPECIAL_DAYS_TABLE: u16 = 11;
    pub const ASSOCIATION_LN: u16 = 15;
    pub const SAP_ASSIGNMENT: u16 = 17;
    pub const IMAGE_TRANSFER: u16 = 18;
    pub const IEC_LOCAL_PORT_SETUP: u16 = 19;
    pub const ACTIVITY_CALENDAR: u16 = 20;
    pub const SINGLE_ACTION_SCHEDULE: u16 = 22;
    pub const IEC_HDLC_SETUP: u16 = 23;
    pub const PUSH_SETUP: u16 = 40;
    pub const TCP_UDP_SETUP: u16 = 41;
    pub const IPV4_SETUP: u16 = 42;
    pub const GPRS_MODEM_SETUP: u16 = 45;
    pub const SECURITY_SETUP: u16 = 64;
    pub const DISCONNECT_CONTROL: u16 = 70;
    pub const LIMITER: u16 = 71;
    pub const ACCOUNT: u16 = 111;
    pub const CREDIT: u16 = 112;
    pub const CHARGE: u16 = 113;
    pub const TOKEN_GATEWAY: u16 = 115;
}

use class::*;

/// The registry, sorted by code (checked by a test).
static OBJECTS: &[Object] = &[
    // ---- abstract objects (A = 0) --------------------------------------------------------------
    abs(
        "billing_period_counter",
        c(0, 0, 0, 1, 0),
        DATA,
        "Billing period counter",
    ),
    abs("clock", c(0, 0, 1, 0, 0), CLOCK, "Clock"),
    abs(
        "global_meter_reset",
        c(0, 0, 10, 0, 0),
        SCRIPT_TABLE,
        "Global meter reset script table",
    ),
    abs(
        "end_of_billing_period_script",
        c(0, 0, 10, 0, 1),
        SCRIPT_TABLE,
        "MDI reset / end of billing period script table",
    ),
    abs(
        "tariffication_script_table",
        c(0, 0, 10, 0, 100),
        SCRIPT_TABLE,
        "Tariffication script table",
    ),
    abs(
        "disconnect_control_script_table",
        c(0, 0, 10, 0, 106),
        SCRIPT_TABLE,
        "Disconnect control script table",
    ),
    abs(
        "image_activation_script_table",
        c(0, 0, 10, 0, 107),
        SCRIPT_TABLE,
        "Image activation script table",
    ),
    abs(
        "special_days_table",
        c(0, 0, 11, 0, 0),
        SPECIAL_DAYS_TABLE,
        "Special days table",
    ),
    abs(
        "activity_calendar",
        c(0, 0, 13, 0, 0),
        ACTIVITY_CALENDAR,
        "Activity calendar",
    ),
    abs(
        "register_activation",
        c(0, 0, 14, 0, 0),
        REGISTER_ACTIVATION,
        "Register activation",
    ),
    abs(
        "end_of_billing_period_schedule",
        c(0, 0, 15, 0, 0),
        SINGLE_ACTION_SCHEDULE,
        "End of billing period single action schedule",
    ),
    abs(
        "disconnect_control_scheduler",
        c(0, 0, 15, 0, 1),
        SINGLE_ACTION_SCHEDULE,
        "Disconnect control scheduler",
    ),
    abs(
        "image_activation_schedule",
        c(0, 0, 15, 0, 2),
        SINGLE_ACTION_SCHEDULE,
        "Image activation single action schedule",
    ),
    abs("limiter", c(0, 0, 17, 0, 0), LIMITER, "Limiter"),
    abs(
        "account",
        c(0, 0, 19, 0, 0),
        ACCOUNT,
        "Account (payment metering)",
    ),
    abs(
        "import_credit",
        c(0, 0, 19, 10, 0),
        CREDIT,
        "Credit: import credit",
    ),
    abs(
        "emergency_credit",
        c(0, 0, 19, 10, 1),
        CREDIT,
        "Credit: emergency credit",
    ),
    abs(
        "charge",
        c(0, 0, 19, 20, 0),
        CHARGE,
        "Charge (consumption-based)",
    ),
    abs(
        "token_gateway",
        c(0, 0, 19, 40, 0),
        TOKEN_GATEWAY,
        "Token gateway",
    ),
    abs(
        "optical_port_setup",
        c(0, 0, 20, 0, 0),
        IEC_LOCAL_PORT_SETUP,
        "IEC optical port setup",
    ),
    abs(
        "iec_hdlc_setup",
        c(0, 0, 22, 0, 0),
        IEC_HDLC_SETUP,
        "IEC HDLC setup",
    ),
    abs(
        "tcp_udp_setup",
        c(0, 0, 25, 0, 0),
        TCP_UDP_SETUP,
        "TCP-UDP setup",
    ),
    abs("ipv4_setup", c(0, 0, 25, 1, 0), IPV4_SETUP, "IPv4 setup"),
    abs(
        "gprs_modem_setup",
        c(0, 0, 25, 4, 0),
        GPRS_MODEM_SETUP,
        "GPRS modem setup",
    ),
    abs("push_setup", c(0, 0, 25, 9, 0), PUSH_SETUP, "Push setup"),
    abs(
        "current_association",
        c(0, 0, 40, 0, 0),
        ASSOCIATION_LN,
        "Association LN: the current association",
    ),
    abs(
        "sap_assignment",
        c(0, 0, 41, 0, 0),
        SAP_ASSIGNMENT,
        "SAP assignment",
    ),
    abs(
        "logical_device_name",
        c(0, 0, 42, 0, 0),
        DATA,
        "COSEM logical device name",
    ),
    abs(
        "security_setup",
        c(0, 0, 43, 0, 0),
        SECURITY_SETUP,
        "Security setup",
    ),
    abs(
        "invocation_counter",
        c(0, 0, 43, 1, 0),
        DATA,
        "Invocation counter (frame counter) of security setup 0",
    ),
    abs(
        "image_transfer",
        c(0, 0, 44, 0, 0),
        IMAGE_TRANSFER,
        "Image transfer (firmware update)",
    ),
    abs(
        "serial_number",
        c(0, 0, 96, 1, 0),
        DATA,
        "Device ID 1: manufacturing (serial) number",
    ),
    abs(
        "metering_point_id",
        c(0, 0, 96, 1, 10),
        DATA,
        "Metering point ID",
    ),
    abs(
        "disconnect_control",
        c(0, 0, 96, 3, 10),
        DISCONNECT_CONTROL,
        "Disconnect control",
    ),
    abs(
        "power_failures",
        c(0, 0, 96, 7, 0),
        DATA,
        "Number of power failures in all three phases",
    ),
    abs(
        "standard_event_code",
        c(0, 0, 96, 11, 0),
        DATA,
        "Event code of the standard event log",
    ),
    abs("error_register", c(0, 0, 97, 97, 0), DATA, "Error register"),
    abs(
        "alarm_register",
        c(0, 0, 97, 98, 0),
        DATA,
        "Alarm register 1",
    ),
    abs("alarm_filter", c(0, 0, 97, 98, 10), DATA, "Alarm filter 1"),
    abs(
        "billing_profile",
        c(0, 0, 98, 1, 0),
        PROFILE_GENERIC,
        "Data of billing periods (billing profile), scheme 1",
    ),
    abs(
        "standard_event_log",
        c(0, 0, 99, 98, 0),
        PROFILE_GENERIC,
        "Standard event log",
    ),
    abs(
        "fraud_detection_log",
        c(0, 0, 99, 98, 1),
        PROFILE_GENERIC,
        "Fraud detection event log",
    ),
    abs(
        "disconnector_control_log",
        c(0, 0, 99, 98, 2),
        PROFILE_GENERIC,
        "Disconnector control event log",
    ),
    abs(
        "mbus_event_log",
        c(0, 0, 99, 98, 3),
        PROFILE_GENERIC,
        "M-Bus event log",
    ),
    abs(
        "power_quality_event_log",
        c(0, 0, 99, 98, 4),
        PROFILE_GENERIC,
        "Power quality event log",
    ),
    abs(
        "communication_event_log",
        c(0, 0, 99, 98, 5),
        PROFILE_GENERIC,
        "Communication event log",
    ),
    // ---- electricity (A = 1): identifiers -----------------------------------------------------
    abs(
        "active_firmware_identifier",
        c(1, 0, 0, 2, 0),
        DATA,
        "Active firmware identifier",
    ),
    abs(
        "active_firmware_signature",
        c(1, 0, 0, 2, 8),
        DATA,
        "Active firmware signature",
    ),
    // ---- electricity: Σ Li quantities -----------------------------------------------------------
    el("demand_active_import", c(1, 0, 1, 4, 0), DEMAND_REGISTER),
    el(
        "max_demand_active_import",
        c(1, 0, 1, 6, 0),
        EXTENDED_REGISTER,
    ),
    el("active_power_import", c(1, 0, 1, 7, 0), REGISTER),
    el("active_energy_import", c(1, 0, 1, 8, 0), REGISTER),
    el("active_energy_import_t1", c(1, 0, 1, 8, 1), REGISTER),
    el("active_energy_import_t2", c(1, 0, 1, 8, 2), REGISTER),
    el("active_energy_import_t3", c(1, 0, 1, 8, 3), REGISTER),
    el("active_energy_import_t4", c(1, 0, 1, 8, 4), REGISTER),
    el("demand_active_export", c(1, 0, 2, 4, 0), DEMAND_REGISTER),
    el(
        "max_demand_active_export",
        c(1, 0, 2, 6, 0),
        EXTENDED_REGISTER,
    ),
    el("active_power_export", c(1, 0, 2, 7, 0), REGISTER),
    el("active_energy_export", c(1, 0, 2, 8, 0), REGISTER),
    el("active_energy_export_t1", c(1, 0, 2, 8, 1), REGISTER),
    el("active_energy_export_t2", c(1, 0, 2, 8, 2), REGISTER),
    el("active_energy_export_t3", c(1, 0, 2, 8, 3), REGISTER),
    el("active_energy_export_t4", c(1, 0, 2, 8, 4), REGISTER),
    el("reactive_power_import", c(1, 0, 3, 7, 0), REGISTER),
    el("reactive_energy_import", c(1, 0, 3, 8, 0), REGISTER),
    el("reactive_power_export", c(1, 0, 4, 7, 0), REGISTER),
    el("reactive_energy_export", c(1, 0, 4, 8, 0), REGISTER),
    el("reactive_energy_q1", c(1, 0, 5, 8, 0), REGISTER),
    el("reactive_energy_q2", c(1, 0, 6, 8, 0), REGISTER),
    el("reactive_energy_q3", c(1, 0, 7, 8, 0), REGISTER),
    el("reactive_energy_q4", c(1, 0, 8, 8, 0), REGISTER),
    el("apparent_power_import", c(1, 0, 9, 7, 0), REGISTER),
    el("apparent_energy_import", c(1, 0, 9, 8, 0), REGISTER),
    el("apparent_power_export", c(1, 0, 10, 7, 0), REGISTER),
    el("apparent_energy_export", c(1, 0, 10, 8, 0), REGISTER),
    el("power_factor", c(1, 0, 13, 7, 0), REGISTER),
    el("frequency", c(1, 0, 14, 7, 0), REGISTER),
    el("active_energy_absolute", c(1, 0, 15, 8, 0), REGISTER),
    el("active_power_net", c(1, 0, 16, 7, 0), REGISTER),
    el("active_energy_net", c(1, 0, 16, 8, 0), REGISTER),
    // ---- electricity: L1 -------------------------------------------------------------------------
    el("active_power_import_l1", c(1, 0, 21, 7, 0), REGISTER),
    el("active_power_export_l1", c(1, 0, 22, 7, 0), REGISTER),
    el("current_l1", c(1, 0, 31, 7, 0), REGISTER),
    el("voltage_l1", c(1, 0, 32, 7, 0), REGISTER),
    el("voltage_sags_l1", c(1, 0, 32, 32, 0), DATA),
    el("voltage_swells_l1", c(1, 0, 32, 36, 0), DATA),
    el("power_factor_l1", c(1, 0, 33, 7, 0), REGISTER),
    // ---- electricity: L2 -------------------------------------------------------------------------
    el("active_power_import_l2", c(1, 0, 41, 7, 0), REGISTER),
    el("active_power_export_l2", c(1, 0, 42, 7, 0), REGISTER),
    el("current_l2", c(1, 0, 51, 7, 0), REGISTER),
    el("voltage_l2", c(1, 0, 52, 7, 0), REGISTER),
    el("voltage_sags_l2", c(1, 0, 52, 32, 0), DATA),
    el("voltage_swells_l2", c(1, 0, 52, 36, 0), DATA),
    el("power_factor_l2", c(1, 0, 53, 7, 0), REGISTER),
    // ---- electricity: L3 -------------------------------------------------------------------------
    el("active_power_import_l3", c(1, 0, 61, 7, 0), REGISTER),
    el("active_power_export_l3", c(1, 0, 62, 7, 0), REGISTER),
    el("current_l3", c(1, 0, 71, 7, 0), REGISTER),
    el("voltage_l3", c(1, 0, 72, 7, 0), REGISTER),
    el("voltage_sags_l3", c(1, 0, 72, 32, 0), DATA),
    el("voltage_swells_l3", c(1, 0, 72, 36, 0), DATA),
    el("power_factor_l3", c(1, 0, 73, 7, 0), REGISTER),
    el("current_neutral", c(1, 0, 91, 7, 0), REGISTER),
    // ---- electricity: profiles and logs ---------------------------------------------------------
    abs(
        "load_profile_1",
        c(1, 0, 99, 1, 0),
        PROFILE_GENERIC,
        "Load profile with recording period 1",
    ),
    abs(
        "load_profile_2",
        c(1, 0, 99, 2, 0),
        PROFILE_GENERIC,
        "Load profile with recording period 2",
    ),
    abs(
        "voltage_dips_profile",
        c(1, 0, 99, 10, 1),
        PROFILE_GENERIC,
        "Power quality profile: voltage dips",
    ),
    abs(
        "voltage_swells_profile",
        c(1, 0, 99, 10, 2),
        PROFILE_GENERIC,
        "Power quality profile: voltage swells",
    ),
    abs(
        "voltage_cuts_profile",
        c(1, 0, 99, 10, 3),
        PROFILE_GENERIC,
        "Power quality profile: voltage cuts",
    ),
    abs(
        "voltage_unbalance_profile",
        c(1, 0, 99, 13, 0),
        PROFILE_GENERIC,
        "Power quality profile: voltage unbalance",
    ),
    abs(
        "power_failure_event_log",
        c(1, 0, 99, 97, 0),
        PROFILE_GENERIC,
        "Power failure event log",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::prelude::rust_2024::*;

    #[test]
    fn sorted_unique_and_large_enough() {
        assert!(OBJECTS.len() >= 60, "{} objects", OBJECTS.len());
        for pair in OBJECTS.windows(2) {
            assert!(
                pair[0].code < pair[1].code,
                "{} !< {}",
                pair[0].code,
                pair[1].code
            );
        }
        let mut names: Vec<_> = OBJECTS.iter().map(|o| o.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), OBJECTS.len(), "duplicate names");
        for o in OBJECTS {
            assert!(
                o.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{}",
                o.name
            );
            // Electricity quantities are described from their value groups, everything else by title.
            assert_eq!(
                o.title.is_none(),
                o.code
                    .quantity()
                    .is_some_and(|_| o.code.processing().is_some()),
                "{}",
                o.name
            );
        }
    }

    #[test]
    fn every_object_found_by_code_and_name() {
        for o in OBJECTS {
            assert_eq!(by_code(o.code), Some(o));
            assert_eq!(by_name(o.name), Some(o));
            assert_eq!(by_name(&o.name.to_uppercase().replace('_', "-")), Some(o));
        }
        assert_eq!(by_code(ObisCode::new(1, 0, 1, 8, 9, 255)), None);
        assert_eq!(by_name("no_such_object"), None);
        assert_eq!(by_name(""), None);
    }

    #[test]
    fn the_objects_the_issue_lists() {
        for name in [
            "clock",
            "logical_device_name",
            "serial_number",
            "active_firmware_identifier",
            "current_association",
            "security_setup",
            "invocation_counter",
            "active_energy_import",
            "active_energy_import_t4",
            "active_energy_export",
            "active_energy_export_t1",
            "reactive_energy_q1",
            "reactive_energy_q4",
            "apparent_energy_import",
            "apparent_energy_export",
            "active_energy_net",
            "voltage_l1",
            "current_l3",
            "active_power_import_l2",
            "power_factor",
            "frequency",
            "max_demand_active_import",
            "load_profile_1",
            "voltage_unbalance_profile",
            "billing_profile",
            "standard_event_log",
            "fraud_detection_log",
            "power_quality_event_log",
            "disconnector_control_log",
            "communication_event_log",
            "power_failure_event_log",
            "activity_calendar",
            "special_days_table",
            "register_activation",
            "disconnect_control",
            "limiter",
            "push_setup",
            "account",
            "import_credit",
            "charge",
            "token_gateway",
        ] {
            assert!(by_name(name).is_some(), "{name}");
        }
    }

    #[test]
    fn descriptions() {
        let d = |name: &str| by_name(name).unwrap().description().to_string();
        assert_eq!(
            d("active_energy_export_t1"),
            "Active energy export (\u{2212}A), tariff 1"
        );
        assert_eq!(d("voltage_l1"), "Voltage L1, instantaneous value");
        assert_eq!(
            d("max_demand_active_import"),
            "Active power import (+P), maximum 1, total"
        );
        assert_eq!(d("clock"), "Clock");
        assert_eq!(d("token_gateway"), "Token gateway");
        // The code's own description uses the registry title for named abstract objects.
        assert_eq!(
            ObisCode::new(0, 0, 96, 3, 10, 255).describe().to_string(),
            "Disconnect control"
        );
        assert_eq!(
            ObisCode::new(0, 0, 98, 1, 0, 3).describe().to_string(),
            "Data of billing periods (billing profile), scheme 1, billing period 3"
        );
    }
}

//! The command line of the client examples: `HOST:PORT [--auth none|lls] [--password P]
//! [--client SAP] [--no-profile] [--trace]`.

use dlms::session::Authentication;

use crate::meter::{LLS_CLIENT, LLS_PASSWORD, PUBLIC_CLIENT};

/// The options of a client example.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// The meter, `host:port`.
    pub target: String,
    /// Use low level security.
    pub lls: bool,
    /// The LLS password.
    pub password: Vec<u8>,
    /// The client SAP (default 16 without authentication, 17 with LLS).
    pub client: u16,
    /// Read the load profile.
    pub profile: bool,
    /// Print every frame.
    pub trace: bool,
}

impl ClientOptions {
    /// Parses `args` (without the program name); `default_port` completes a bare host.
    ///
    /// # Errors
    /// A message naming the bad argument.
    pub fn parse(
        args: impl IntoIterator<Item = String>,
        default_port: u16,
    ) -> Result<Self, String> {
        let mut target = None;
        let mut lls = false;
        let mut password = LLS_PASSWORD.to_vec();
        let mut client = None;
        let mut profile = true;
        let mut trace = false;
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
            match arg.as_str() {
                "--auth" => match value("--auth")?.as_str() {
                    "none" => lls = false,
                    "lls" => lls = true,
                    other => return Err(format!("--auth {other}: none or lls")),
                },
                "--password" => password = value("--password")?.into_bytes(),
                "--client" => {
                    client = Some(
                        value("--client")?
                            .parse()
                            .map_err(|e| format!("--client: {e}"))?,
                    )
                }
                "--no-profile" => profile = false,
                "--trace" => trace = true,
                other if !other.starts_with('-') && target.is_none() => {
                    target = Some(other.to_string())
                }
                other => {
                    return Err(format!(
                        "unknown argument {other}; usage: HOST:PORT [--auth none|lls] [--password P] \
                         [--client SAP] [--no-profile] [--trace]"
                    ));
                }
            }
        }
        let target = target.unwrap_or_else(|| "127.0.0.1".to_string());
        let target = if target.contains(':') {
            target
        } else {
            format!("{target}:{default_port}")
        };
        Ok(ClientOptions {
            target,
            lls,
            password,
            client: client.unwrap_or(if lls { LLS_CLIENT } else { PUBLIC_CLIENT }),
            profile,
            trace,
        })
    }

    /// The authentication the options ask for.
    #[must_use]
    pub fn authentication(&self) -> Authentication<'_> {
        if self.lls {
            Authentication::Lls {
                password: &self.password,
            }
        } else {
            Authentication::None
        }
    }
}

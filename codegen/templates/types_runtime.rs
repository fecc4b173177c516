//! Serde helpers the generated types use: optional nullable fields and enums tagged by a
//! property. Fixed code, copied verbatim into every generated types crate as `src/runtime.rs`.

/// Serde helper for optional nullable fields: `None` absent, `Some(None)` explicit `null`.
pub mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Writes the inner option (`null` or the value); absent fields are skipped by
    /// `skip_serializing_if`.
    pub fn serialize<T: Serialize, S: Serializer>(
        value: &Option<Option<T>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(inner) => inner.serialize(serializer),
            None => serializer.serialize_none(),
        }
    }

    /// A present field (even `null`) is `Some`; `#[serde(default)]` makes absent `None`.
    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(deserializer).map(Some)
    }
}

/// Serde helpers of the enums tagged by a property.
pub mod tagged {
    use serde::de::{DeserializeOwned, Deserializer, Error as _};
    use serde::ser::{Error as _, Serialize, Serializer};
    /// A JSON object.
    pub type Object = serde_json::Map<String, serde_json::Value>;
    /// The tag's value, if it is a string.
    pub fn tag(object: &Object, tag: &str) -> Option<String> {
        object.get(tag).and_then(serde_json::Value::as_str).map(str::to_owned)
    }

    /// Adds the fields of `value`, which must serialise to an object.
    pub fn flatten_into<S: Serializer, T: Serialize>(
        object: &mut Object,
        value: &T,
    ) -> Result<(), S::Error> {
        match serde_json::to_value(value).map_err(S::Error::custom)? {
            serde_json::Value::Object(fields) => {
                object.extend(fields);
                Ok(())
            }
            other => Err(S::Error::custom(format!("expected an object, got {other}"))),
        }
    }

    /// Sets `field` to `value`.
    pub fn insert<S: Serializer, T: Serialize>(
        object: &mut Object,
        field: &str,
        value: &T,
    ) -> Result<(), S::Error> {
        let value = serde_json::to_value(value).map_err(S::Error::custom)?;
        object.insert(field.to_string(), value);
        Ok(())
    }

    /// Decodes the object without its tag.
    pub fn without_tag<'de, D: Deserializer<'de>, T: DeserializeOwned>(
        mut object: Object,
        tag: &str,
    ) -> Result<T, D::Error> {
        object.remove(tag);
        serde_json::from_value(serde_json::Value::Object(object))
            .map_err(D::Error::custom)
    }

    /// Decodes one field of the object.
    pub fn field<'de, D: Deserializer<'de>, T: DeserializeOwned>(
        object: &Object,
        field: &str,
    ) -> Result<T, D::Error> {
        let value = object.get(field).cloned().unwrap_or_default();
        serde_json::from_value(value).map_err(D::Error::custom)
    }
}

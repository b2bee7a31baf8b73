import { escapeXmlText } from '../soap/xml-text.js';

/**
 * The emulator's own WSDL: the two operations it implements, with the types they use as the published
 * mktows schema defines them (children unqualified: no elementFormDefault), and its own address, so
 * that SOAP clients built from a WSDL (PHP SoapClient, zeep, the npm `soap` package) call it unchanged.
 */
export function renderWsdl(address: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- mktsync Marketo emulator: syncMultipleLeads and syncMObjects of the mktows API -->
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
  xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tns="http://www.marketo.com/mktows/"
  targetNamespace="http://www.marketo.com/mktows/" name="MktMktowsApiService">
  <wsdl:types>
    <xs:schema targetNamespace="http://www.marketo.com/mktows/">
      <xs:simpleType name="ForeignSysType">
        <xs:restriction base="xs:string">
          <xs:enumeration value="CUSTOM"/><xs:enumeration value="SFDC"/><xs:enumeration value="NETSUITE"/>
        </xs:restriction>
      </xs:simpleType>
      <xs:simpleType name="LeadSyncStatus">
        <xs:restriction base="xs:string">
          <xs:enumeration value="CREATED"/><xs:enumeration value="UPDATED"/><xs:enumeration value="FAILED"/>
        </xs:restriction>
      </xs:simpleType>
      <xs:simpleType name="SyncOperationEnum">
        <xs:restriction base="xs:string">
          <xs:enumeration value="INSERT"/><xs:enumeration value="UPDATE"/><xs:enumeration value="UPSERT"/>
        </xs:restriction>
      </xs:simpleType>
      <xs:simpleType name="MObjStatusEnum">
        <xs:restriction base="xs:string">
          <xs:enumeration value="CREATED"/><xs:enumeration value="UPDATED"/><xs:enumeration value="DELETED"/>
          <xs:enumeration value="FAILED"/><xs:enumeration value="UNCHANGED"/><xs:enumeration value="SKIPPED"/>
        </xs:restriction>
      </xs:simpleType>
      <xs:complexType name="AuthenticationHeaderInfo">
        <xs:sequence>
          <xs:element name="mktowsUserId" type="xs:string"/>
          <xs:element name="requestSignature" type="xs:string"/>
          <xs:element name="requestTimestamp" type="xs:string"/>
          <xs:element name="audit" type="xs:string" minOccurs="0"/>
          <xs:element name="mode" type="xs:int" minOccurs="0"/>
        </xs:sequence>
      </xs:complexType>
      <xs:complexType name="Attribute">
        <xs:sequence>
          <xs:element name="attrName" type="xs:string"/>
          <xs:element name="attrType" type="xs:string" minOccurs="0" nillable="true"/>
          <xs:element name="attrValue" type="xs:string"/>
        </xs:sequence>
      </xs:complexType>
      <xs:complexType name="ArrayOfAttribute">
        <xs:sequence><xs:element name="attribute" type="tns:Attribute" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
      </xs:complexType>
      <xs:complexType name="LeadRecord">
        <xs:sequence>
          <xs:element name="Id" type="xs:int" minOccurs="0" nillable="true"/>
          <xs:element name="Email" type="xs:string" minOccurs="0" nillable="true"/>
          <xs:element name="ForeignSysPersonId" type="xs:string" minOccurs="0" nillable="true"/>
          <xs:element name="ForeignSysType" type="tns:ForeignSysType" minOccurs="0" nillable="true"/>
          <xs:element name="leadAttributeList" type="tns:ArrayOfAttribute" minOccurs="0" nillable="true"/>
        </xs:sequence>
      </xs:complexType>
      <xs:complexType name="ArrayOfLeadRecord">
        <xs:sequence><xs:element name="leadRecord" type="tns:LeadRecord" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
      </xs:complexType>
      <xs:complexType name="ParamsSyncMultipleLeads">
        <xs:sequence>
          <xs:element name="leadRecordList" type="tns:ArrayOfLeadRecord"/>
          <xs:element name="dedupEnabled" type="xs:boolean" minOccurs="0" nillable="true"/>
        </xs:sequence>
      </xs:complexType>
      <xs:complexType name="SyncStatus">
        <xs:sequence>
          <xs:element name="leadId" type="xs:int"/>
          <xs:element name="status" type="tns:LeadSyncStatus"/>
          <xs:element name="error" type="xs:string" minOccurs="0" nillable="true"/>
        </xs:sequence>
      </xs:complexType>
      <xs:complexType name="ArrayOfSyncStatus">
        <xs:sequence><xs:element name="syncStatus" type="tns:SyncStatus" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
      </xs:complexType>
      <xs:complexType name="ResultSyncMultipleLeads">
        <xs:sequence><xs:element name="syncStatusList" type="tns:ArrayOfSyncStatus"/></xs:sequence>
      </xs:complexType>
      <xs:complexType name="SuccessSyncMultipleLeads">
        <xs:sequence><xs:element name="result" type="tns:ResultSyncMultipleLeads"/></xs:sequence>
      </xs:complexType>
      <xs:complexType name="Attrib">
        <xs:sequence><xs:element name="name" type="xs:string"/><xs:element name="value" type="xs:string"/></xs:sequence>
      </xs:complexType>
      <xs:complexType name="ArrayOfAttrib">
        <xs:sequence><xs:element name="attrib" type="tns:Attrib" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
      </xs:complexType>
      <xs:complexType name="TypeAttrib">
        <xs:sequence>
          <xs:element name="attrType" type="xs:string"/>
          <xs:element name="attrList" type="tns:ArrayOfAttrib" minOccurs="0"/>
        </xs:sequence>
      </xs:complexType>
      <xs:complexType name="ArrayOfTypeAttrib">
        <xs:sequence><xs:element name="typeAttrib" type="tns:TypeAttrib" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
      </xs:complexType>
      <xs:complexType name="MObjAssociation">
        <xs:sequence>
          <xs:element name="mObjType" type="xs:string"/>
          <xs:element name="id" type="xs:int" minOccurs="0"/>
          <xs:element name="externalKey" type="tns:Attrib" minOccurs="0"/>
        </xs:sequence>
      </xs:complexType>
      <xs:complexType name="ArrayOfMObjAssociation">
        <xs:sequence><xs:element name="mObjAssociation" type="tns:MObjAssociation" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
      </xs:complexType>
      <xs:complexType name="MObject">
        <xs:sequence>
          <xs:element name="type" type="xs:string"/>
          <xs:element name="id" type="xs:int" minOccurs="0"/>
          <xs:element name="externalKey" type="tns:Attrib" minOccurs="0"/>
          <xs:element name="createdAt" type="xs:dateTime" minOccurs="0"/>
          <xs:element name="updatedAt" type="xs:dateTime" minOccurs="0"/>
          <xs:element name="attribList" type="tns:ArrayOfAttrib" minOccurs="0"/>
          <xs:element name="typeAttribList" type="tns:ArrayOfTypeAttrib" minOccurs="0"/>
          <xs:element name="associationList" type="tns:ArrayOfMObjAssociation" minOccurs="0"/>
        </xs:sequence>
      </xs:complexType>
      <xs:complexType name="ArrayOfMObject">
        <xs:sequence><xs:element name="mObject" type="tns:MObject" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
      </xs:complexType>
      <xs:complexType name="ParamsSyncMObjects">
        <xs:sequence>
          <xs:element name="mObjectList" type="tns:ArrayOfMObject"/>
          <xs:element name="operation" type="tns:SyncOperationEnum"/>
        </xs:sequence>
      </xs:complexType>
      <xs:complexType name="MObjStatus">
        <xs:sequence>
          <xs:element name="id" type="xs:int"/>
          <xs:element name="externalKey" type="tns:Attrib" minOccurs="0"/>
          <xs:element name="status" type="tns:MObjStatusEnum"/>
          <xs:element name="error" type="xs:string" minOccurs="0"/>
        </xs:sequence>
      </xs:complexType>
      <xs:complexType name="ArrayOfMObjStatus">
        <xs:sequence><xs:element name="mObjStatus" type="tns:MObjStatus" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
      </xs:complexType>
      <xs:complexType name="ResultSyncMObjects">
        <xs:sequence><xs:element name="mObjStatusList" type="tns:ArrayOfMObjStatus"/></xs:sequence>
      </xs:complexType>
      <xs:complexType name="SuccessSyncMObjects">
        <xs:sequence><xs:element name="result" type="tns:ResultSyncMObjects"/></xs:sequence>
      </xs:complexType>
      <xs:element name="AuthenticationHeader" type="tns:AuthenticationHeaderInfo"/>
      <xs:element name="paramsSyncMultipleLeads" type="tns:ParamsSyncMultipleLeads"/>
      <xs:element name="successSyncMultipleLeads" type="tns:SuccessSyncMultipleLeads"/>
      <xs:element name="paramsSyncMObjects" type="tns:ParamsSyncMObjects"/>
      <xs:element name="successSyncMObjects" type="tns:SuccessSyncMObjects"/>
    </xs:schema>
  </wsdl:types>
  <wsdl:message name="AuthenticationHeader"><wsdl:part name="header" element="tns:AuthenticationHeader"/></wsdl:message>
  <wsdl:message name="paramsSyncMultipleLeads"><wsdl:part name="paramsSyncMultipleLeads" element="tns:paramsSyncMultipleLeads"/></wsdl:message>
  <wsdl:message name="successSyncMultipleLeads"><wsdl:part name="successSyncMultipleLeads" element="tns:successSyncMultipleLeads"/></wsdl:message>
  <wsdl:message name="paramsSyncMObjects"><wsdl:part name="paramsSyncMObjects" element="tns:paramsSyncMObjects"/></wsdl:message>
  <wsdl:message name="successSyncMObjects"><wsdl:part name="successSyncMObjects" element="tns:successSyncMObjects"/></wsdl:message>
  <wsdl:portType name="MktowsApiSoapPort">
    <wsdl:operation name="syncMultipleLeads">
      <wsdl:input message="tns:paramsSyncMultipleLeads"/>
      <wsdl:output message="tns:successSyncMultipleLeads"/>
    </wsdl:operation>
    <wsdl:operation name="syncMObjects">
      <wsdl:input message="tns:paramsSyncMObjects"/>
      <wsdl:output message="tns:successSyncMObjects"/>
    </wsdl:operation>
  </wsdl:portType>
  <wsdl:binding name="MktowsApiSoapBinding" type="tns:MktowsApiSoapPort">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <wsdl:operation name="syncMultipleLeads">
      <soap:operation soapAction="http://www.marketo.com/mktows/syncMultipleLeads" style="document"/>
      <wsdl:input>
        <soap:header message="tns:AuthenticationHeader" part="header" use="literal"/>
        <soap:body use="literal"/>
      </wsdl:input>
      <wsdl:output><soap:body use="literal"/></wsdl:output>
    </wsdl:operation>
    <wsdl:operation name="syncMObjects">
      <soap:operation soapAction="http://www.marketo.com/mktows/syncMObjects" style="document"/>
      <wsdl:input>
        <soap:header message="tns:AuthenticationHeader" part="header" use="literal"/>
        <soap:body use="literal"/>
      </wsdl:input>
      <wsdl:output><soap:body use="literal"/></wsdl:output>
    </wsdl:operation>
  </wsdl:binding>
  <wsdl:service name="MktMktowsApiService">
    <wsdl:port name="MktowsApiSoapPort" binding="tns:MktowsApiSoapBinding">
      <soap:address location="${escapeXmlText(address)}"/>
    </wsdl:port>
  </wsdl:service>
</wsdl:definitions>
`;
}
